// The file:PATH.json store: readable format, flushed on close, and never clobbering a file it did not write.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CachedResponse } from '../../src/cache/cache.js';
import { JsonFileStore } from '../../src/cache/json-file-store.js';
import { openResponseCache } from '../../src/cache/response-cache.js';
import { UsageError } from '../../src/errors.js';

let tmp: string;
let file: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmap-json-'));
  file = path.join(tmp, 'sub', 'cache.json');
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const answer = (text: string, storedAt = 1_700_000_000_000): CachedResponse => ({
  text,
  finishReason: 'stop',
  usage: { inputTokens: 3, outputTokens: 1 },
  storedAt,
});

describe('file: cache', () => {
  it('round-trips answers across close and reopen', async () => {
    const first = await openResponseCache({ uri: `file:${file}`, dir: tmp });
    await first.set('v1:b', answer('bé ✓'));
    await first.set('v1:a', answer('a'));
    expect(await first.get('v1:b')).toEqual(answer('bé ✓'));
    await first.close();
    await first.close(); // safe twice

    const second = await openResponseCache({ uri: `file:${file}`, dir: tmp, memoryEntries: 0 });
    expect(await second.get('v1:a')).toEqual(answer('a'));
    expect(await second.get('v1:b')).toEqual(answer('bé ✓'));
    expect(await second.get('v1:c')).toBeUndefined();
    await second.close();
  });

  it('writes plain JSON, one entry per line sorted by key, so a committed cache diffs cleanly', async () => {
    const cache = await openResponseCache({ uri: `file:${file}`, dir: tmp });
    await cache.set('v1:b', answer('second'));
    await cache.set('v1:a', answer('first'));
    await cache.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toMatch(/^\{"lastExpire":\d+,"cache":\[$/);
    expect(lines.slice(1)).toEqual([
      '["llm:v1:a",{"value":{"value":{"text":"first","finishReason":"stop","usage":{"inputTokens":3,"outputTokens":1},"storedAt":1700000000000}}}],',
      '["llm:v1:b",{"value":{"value":{"text":"second","finishReason":"stop","usage":{"inputTokens":3,"outputTokens":1},"storedAt":1700000000000}}}]',
      ']}',
      '',
    ]);
  });

  it('creates the file 0600 in a 0700 folder', async () => {
    const cache = await openResponseCache({ uri: `file:${file}`, dir: tmp });
    await cache.close();
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('flushes a set still waiting for its batched write when closed', async () => {
    const cache = await openResponseCache({ uri: `file:${file}`, dir: tmp });
    await cache.set('v1:first', answer('first'));
    void cache.set('v1:pending', answer('not awaited'));
    await cache.close();
    expect(readFileSync(file, 'utf8')).toContain('"llm:v1:pending"');
    const reopened = await openResponseCache({ uri: `file:${file}`, dir: tmp });
    expect(await reopened.get('v1:pending')).toEqual(answer('not awaited'));
    await reopened.close();
  });

  it('after close, a set that arrived while the file was being written is on disk', async () => {
    const store = new JsonFileStore(file);
    // keyv-file answers a set made during a running write with that write's promise, though the
    // write was serialized before the set: inject one right after serialization.
    const serialize = store.opts.serialize;
    let late: Promise<unknown> | undefined;
    store.opts.serialize = (data) => {
      const text = serialize(data);
      late ??= store.set('late', { n: 2 });
      return text;
    };
    await store.set('early', { n: 1 });
    await late;
    await store.disconnect();
    const keys = (JSON.parse(readFileSync(file, 'utf8')) as { cache: Array<[string, unknown]> }).cache.map(([k]) => k);
    expect(keys).toEqual(['early', 'late']);
  });

  it('does not write the file when nothing changed', async () => {
    const cache = await openResponseCache({ uri: `file:${file}`, dir: tmp });
    await cache.close();
    const before = readFileSync(file, 'utf8');
    const again = await openResponseCache({ uri: `file:${file}`, dir: tmp });
    await again.get('v1:x');
    await again.close();
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  for (const [what, content, why] of [
    ['not JSON', 'id,review\n1,great\n', 'it is not JSON written by llmap'],
    ['JSON of another shape', '{"name":"my-package","version":"1.0.0"}\n', 'it is not JSON written by llmap (no "cache" list)'],
  ]) {
    it(`refuses a file that is ${what}, naming it, and leaves it untouched`, async () => {
      const target = path.join(tmp, 'package.json');
      writeFileSync(target, content);
      let caught: unknown;
      try {
        await openResponseCache({ uri: `file:${target}`, dir: tmp });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as Error).message).toBe(`cannot use cache file '${target}': ${why}; delete it or choose another --cache`);
      expect(readFileSync(target, 'utf8')).toBe(content);
    });
  }

  it('names the file and the fix when its folder cannot be created', async () => {
    const notDir = path.join(tmp, 'plain-file');
    writeFileSync(notDir, '');
    const target = path.join(notDir, 'cache.json');
    await expect(openResponseCache({ uri: `file:${target}`, dir: tmp })).rejects.toThrow(
      `cannot use cache file '${target}': ENOTDIR: not a directory, open '${target}'; check its permissions, or choose another --cache`,
    );
    expect(existsSync(target)).toBe(false);
  });
});
