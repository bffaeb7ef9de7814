import { describe, expect, it } from 'vitest';
import { IndexRing } from '../../src/engine/index-ring.js';

describe('IndexRing', () => {
  it('gives values back in index order, whatever order they were set in', () => {
    const ring = new IndexRing<string>(4);
    ring.set(2, 'c');
    ring.set(0, 'a');
    expect(ring.size).toBe(2);
    expect(ring.shift()).toBe('a');
    // Index 1 is not held yet: the head stays put.
    expect(ring.ready).toBe(false);
    expect(ring.shift()).toBeUndefined();
    ring.set(1, 'b');
    expect(ring.ready).toBe(true);
    expect([ring.shift(), ring.shift(), ring.shift()]).toEqual(['b', 'c', undefined]);
    expect(ring.size).toBe(0);
  });

  it('grows when an index runs past it, keeping the values it held across the wrap', () => {
    const ring = new IndexRing<number>(4);
    for (let i = 0; i < 3; i++) ring.set(i, i);
    ring.shift();
    ring.shift();
    // Head at 2; 3..5 wrap around the four slots, and 9 forces two doublings.
    for (const i of [3, 4, 5, 9]) ring.set(i, i);
    const out: Array<number | undefined> = [];
    for (let v = ring.shift(); v !== undefined; v = ring.shift()) out.push(v);
    expect(out).toEqual([2, 3, 4, 5]);
    expect(ring.size).toBe(1);
    for (const i of [6, 7, 8]) ring.set(i, i);
    expect([ring.shift(), ring.shift(), ring.shift(), ring.shift()]).toEqual([6, 7, 8, 9]);
  });
});
