import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/engine/in-flight.js';

describe('InFlight', () => {
  it('finds a value until its entry is emptied, and takes a new one under the same key after', () => {
    const calls = new InFlight<string>();
    const entry = calls.add('prompt', 'first call');
    expect(calls.get('prompt')).toBe('first call');
    expect(calls.get('other')).toBeUndefined();
    entry.value = undefined;
    expect(calls.get('prompt')).toBeUndefined();
    calls.add('prompt', 'second call');
    expect(calls.get('prompt')).toBe('second call');
    expect(calls.held).toBe(1);
  });

  it('drops emptied entries once it has grown, keeping those still in flight', () => {
    const calls = new InFlight<number>();
    const entries = Array.from({ length: 256 }, (_, i) => calls.add(`k${i}`, i));
    for (let i = 0; i < 256; i++) if (i % 4 !== 0) entries[i].value = undefined;
    expect(calls.held).toBe(256);
    calls.add('next', 256);
    // 64 still in flight and the new one: the 192 emptied are gone.
    expect(calls.held).toBe(65);
    expect(calls.get('k0')).toBe(0);
    expect(calls.get('k252')).toBe(252);
    expect(calls.get('k1')).toBeUndefined();
    // An entry moved over is the same object: emptying it still takes effect.
    entries[0].value = undefined;
    expect(calls.get('k0')).toBeUndefined();
  });

  it('compacts at twice what was in flight, so a long run of calls keeps few emptied keys', () => {
    const calls = new InFlight<number>();
    const open = Array.from({ length: 300 }, (_, i) => calls.add(`open${i}`, i));
    // 300 held at the first compaction (at 256 all were in flight): the next is at 512.
    for (let i = 0; i < 212; i++) calls.add(`done${i}`, i).value = undefined;
    expect(calls.held).toBe(512);
    calls.add('last', 0);
    expect(calls.held).toBe(301);
    expect(open.every((entry, i) => calls.get(`open${i}`) === entry.value)).toBe(true);
  });
});
