// The redis:// store against a real redis-server on 127.0.0.1: shared by processes, managed by
// `llmap cache`, and a clear message when the server is not there.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CachedResponse } from '../../src/cache/cache.js';
import { openResponseCache } from '../../src/cache/response-cache.js';
import { cacheClear, cachePrune, cacheStats } from '../../src/cli/cache-command.js';
import { UsageError } from '../../src/errors.js';
import { testRedis } from './helpers/redis-server.js';
import { spawnHelper } from './helpers/spawn.js';

const redis = await testRedis();
if (!redis.url) console.warn(`skipping the Redis cache tests: ${redis.reason}`);
const url = redis.url ?? 'redis://unavailable';

afterAll(() => redis.stop());

let tmp: string;

beforeEach(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmap-redis-'));
  // The server may be shared (CI): start each test from an empty llmap namespace, touching nothing else.
  if (redis.url) await cacheClear({ uri: url, dir: tmp });
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const answer = (text: string, storedAt = 1_700_000_000_000): CachedResponse => ({
  text,
  finishReason: 'stop',
  usage: { inputTokens: 4, outputTokens: 2 },
  storedAt,
});

/** Runs redis-child.mjs to completion; resolves with its pid, exit code, stdout and stderr. */
function child(args: string[]): Promise<{ pid: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawnHelper('redis-child.mjs', args);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ pid: proc.pid!, code, stdout, stderr }));
  });
}

describe.skipIf(!redis.url)('redis:// cache', () => {
  it('round-trips answers across close and reopen', async () => {
    const first = await openResponseCache({ uri: url, dir: tmp });
    await first.set('v1:a', answer('shared ✓'));
    expect(await first.get('v1:a')).toEqual(answer('shared ✓'));
    await first.close();
    await first.close(); // safe twice
    const second = await openResponseCache({ uri: url, dir: tmp, memoryEntries: 0 });
    expect(await second.get('v1:a')).toEqual(answer('shared ✓'));
    expect(await second.get('v1:b')).toBeUndefined();
    await second.close();
  });

  it('one process stores answers and another process reads the same keys', { timeout: 60_000 }, async () => {
    const a = await child(['set', url, 'k', '20']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe('set done\n');
    const b = await child(['get', url, 'k', '21']);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const expected = Array.from({ length: 20 }, (_, i) => `k${i} answer from pid ${a.pid} for k${i}\n`).join('');
    expect(b.stdout).toBe(`${expected}k20 missing\nget done\n`);
  });

  it('stats, prune and clear work on the llmap namespace only', async () => {
    const cache = await openResponseCache({ uri: url, dir: tmp });
    const day = 86_400_000;
    const t0 = Date.UTC(2024, 0, 1);
    for (const [i, d] of [0, 2, 5].entries()) await cache.set(`v1:${i}`, answer(`a${i}`, t0 + d * day));
    await cache.close();
    const keyBytes = 3 * 'v1:0'.length;
    const valueBytes = [0, 2, 5].reduce((n, d, i) => n + Buffer.byteLength(JSON.stringify(answer(`a${i}`, t0 + d * day))), 0);
    const bytes = keyBytes + valueBytes;
    expect(await cacheStats({ uri: url, dir: tmp })).toBe(
      [
        `cache:   ${url}`,
        'entries: 3',
        `size:    ${bytes} B (${bytes} bytes: keys and values, without Redis overhead)`,
        'oldest:  2024-01-01T00:00:00.000Z',
        'newest:  2024-01-06T00:00:00.000Z',
      ].join('\n'),
    );
    expect(await cachePrune({ uri: url, dir: tmp, olderThanMs: 4 * day, now: t0 + 5 * day })).toBe(
      `removed 1 entry stored before 2024-01-02T00:00:00.000Z from ${url}; 2 entries left`,
    );
    expect(await cacheClear({ uri: url, dir: tmp })).toBe(`removed 2 entries from ${url}`);
    expect((await cacheStats({ uri: url, dir: tmp })).split('\n')[1]).toBe('entries: 0');
  });

  it('each mode behaves as with the other stores', async () => {
    const rw = await openResponseCache({ uri: url, dir: tmp });
    await rw.set('v1:x', answer('old'));
    await rw.close();
    const read = await openResponseCache({ uri: url, dir: tmp, mode: 'read' });
    expect(await read.get('v1:x')).toEqual(answer('old'));
    await read.set('v1:y', answer('never'));
    await read.close();
    const write = await openResponseCache({ uri: url, dir: tmp, mode: 'write' });
    expect(await write.get('v1:x')).toBeUndefined();
    await write.set('v1:x', answer('kept old'));
    await write.set('v1:z', answer('added'));
    await write.close();
    const refresh = await openResponseCache({ uri: url, dir: tmp, mode: 'refresh' });
    await refresh.set('v1:z', answer('replaced'));
    await refresh.close();
    const check = await openResponseCache({ uri: url, dir: tmp, memoryEntries: 0 });
    expect(await check.get('v1:x')).toEqual(answer('old'));
    expect(await check.get('v1:y')).toBeUndefined();
    expect(await check.get('v1:z')).toEqual(answer('replaced'));
    await check.close();
  });
});

describe('redis:// cache without a server', () => {
  it('fails at open with the URL, the cause and the fix', async () => {
    let caught: unknown;
    try {
      await openResponseCache({ uri: 'redis://127.0.0.1:1', dir: tmp });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(
      'cannot connect to the Redis cache at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1; start the server or choose another --cache',
    );
  });

  it('never prints the password of the URL', async () => {
    await expect(openResponseCache({ uri: 'redis://user:hunter2@127.0.0.1:1/3', dir: tmp })).rejects.toThrow(
      'cannot connect to the Redis cache at redis://user:***@127.0.0.1:1/3: connect ECONNREFUSED 127.0.0.1:1; start the server or choose another --cache',
    );
  });
});
