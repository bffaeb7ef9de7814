import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CachedResponse } from '../../src/cache/cache.js';
import { memoryCache, noCache, openResponseCache } from '../../src/cache/response-cache.js';

let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmap-cache-'));
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const response = (text: string): CachedResponse => ({
  text,
  finishReason: 'stop',
  usage: { inputTokens: 12, outputTokens: 3 },
  storedAt: 1_700_000_000_000,
});

describe('openResponseCache', () => {
  it('round-trips a response and keeps it across reopen', async () => {
    const first = await openResponseCache({ dir: tmp });
    await first.set('v1:abc', response('positive ✓'));
    expect(await first.get('v1:abc')).toEqual(response('positive ✓'));
    expect(await first.get('v1:other')).toBeUndefined();
    await first.close();
    await first.close(); // safe twice

    const second = await openResponseCache({ dir: tmp });
    expect(await second.get('v1:abc')).toEqual(response('positive ✓'));
    await second.close();
  });

  it('keeps a null finish reason and empty usage', async () => {
    const cache = await openResponseCache({ dir: tmp });
    const value: CachedResponse = { text: '', finishReason: null, usage: {}, storedAt: 1 };
    await cache.set('k', value);
    expect(await cache.get('k')).toEqual(value);
    await cache.close();
  });

  it('rejects with the fix when cache.sqlite is not a database', async () => {
    const file = path.join(tmp, 'cache.sqlite');
    writeFileSync(file, 'garbage '.repeat(200));
    await expect(openResponseCache({ dir: tmp })).rejects.toThrow(
      `cache file '${file}' is not a valid SQLite database; delete it or use --no-cache`,
    );
  });

  it('throughput: 10,000 sets and gets of ~500 B values (printed, not asserted)', async () => {
    const cache = await openResponseCache({ dir: tmp });
    const filler = 'lorem ipsum é 日本 '.repeat(18);
    const n = 10_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await cache.set(`v1:${i}`, response(`${i} ${filler}`));
    const t1 = performance.now();
    let hits = 0;
    for (let i = 0; i < n; i++) if ((await cache.get(`v1:${i}`))?.text === `${i} ${filler}`) hits++;
    const t2 = performance.now();
    await cache.close();
    expect(hits).toBe(n);
    const bytes = Buffer.byteLength(JSON.stringify(response(`0 ${filler}`)));
    console.log(
      `cache throughput (${bytes} B values): ${n} sets in ${(t1 - t0).toFixed(0)} ms ` +
        `(${(((t1 - t0) / n) * 1000).toFixed(0)} us/set), ${n} gets in ${(t2 - t1).toFixed(0)} ms ` +
        `(${(((t2 - t1) / n) * 1000).toFixed(0)} us/get)`,
    );
  });
});

describe('noCache', () => {
  it('stores nothing', async () => {
    const cache = noCache();
    await cache.set('k', response('x'));
    expect(await cache.get('k')).toBeUndefined();
    await cache.close();
  });
});

describe('memoryCache', () => {
  it('round-trips copies, so callers cannot mutate what is stored', async () => {
    const entries = new Map<string, CachedResponse>();
    const cache = memoryCache(entries);
    const value = response('x');
    await cache.set('k', value);
    value.text = 'mutated';
    const got = await cache.get('k');
    expect(got).toEqual(response('x'));
    got!.text = 'mutated again';
    expect(await cache.get('k')).toEqual(response('x'));
    expect([...entries.keys()]).toEqual(['k']);
  });
});
