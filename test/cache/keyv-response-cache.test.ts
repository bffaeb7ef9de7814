// The layer every store shares: the in-memory LRU in front, the TTL and the four modes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CachedResponse, ResponseCache } from '../../src/cache/cache.js';
import { keyvResponseCache, type KeyvResponseCacheOptions } from '../../src/cache/keyv-response-cache.js';
import { openResponseCache } from '../../src/cache/response-cache.js';
import { SqliteStore } from '../../src/cache/sqlite-store.js';

/** A real SQLite store that counts the keys read from it (single reads and batched ones). */
class CountingStore extends SqliteStore {
  gets = 0;
  override async get<Value>(key: string) {
    this.gets++;
    return super.get<Value>(key);
  }
  override async getMany<Value>(keys: string[]) {
    this.gets += keys.length;
    return super.getMany<Value>(keys);
  }
}

let tmp: string;
const open: ResponseCache[] = [];

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmap-layer-'));
});

afterEach(async () => {
  vi.useRealTimers();
  for (const c of open.splice(0)) await c.close();
  rmSync(tmp, { recursive: true, force: true });
});

function layered(opts: Partial<KeyvResponseCacheOptions> = {}): { cache: ResponseCache; store: CountingStore } {
  const store = new CountingStore(path.join(tmp, 'cache.sqlite'));
  const keyv = new Keyv({ store, namespace: 'llm', serialize: JSON.stringify, deserialize: JSON.parse, throwOnErrors: true });
  const cache = keyvResponseCache(keyv, { memoryEntries: 100, mode: 'rw', ...opts });
  open.push(cache);
  return { cache, store };
}

const answer = (text: string, storedAt = 1_700_000_000_000): CachedResponse => ({
  text,
  finishReason: 'stop',
  usage: { inputTokens: 5, outputTokens: 2 },
  storedAt,
});

describe('memory layer', () => {
  it("serves this run's own answers from memory; answers read from the store are not kept", async () => {
    const { cache, store } = layered();
    await cache.set('k', answer('first'));
    // A set in rw mode fills memory, so a repeat of a prompt answered in this run stays off the store.
    expect(await cache.get('k')).toEqual(answer('first'));
    expect(await cache.get('k')).toEqual(answer('first'));
    expect(store.gets).toBe(0);

    // Reads come in batches from the store and are not remembered: a re-run reads each row once.
    const { cache: fresh, store: freshStore } = layered();
    expect(await fresh.get('k')).toEqual(answer('first'));
    expect(await fresh.get('k')).toEqual(answer('first'));
    expect(freshStore.gets).toBe(2);
  });

  it('does not remember misses: an answer stored later by another process is found', async () => {
    const { cache: reader, store } = layered();
    expect(await reader.get('k')).toBeUndefined();
    const { cache: writer } = layered();
    await writer.set('k', answer('late'));
    expect(await reader.get('k')).toEqual(answer('late'));
    expect(store.gets).toBe(2);
  });

  it('holds at most memoryEntries answers, evicting the least recently used', async () => {
    const { cache, store } = layered({ memoryEntries: 2 });
    await cache.set('a', answer('a'));
    await cache.set('b', answer('b'));
    await cache.get('a'); // a is now more recent than b
    expect(store.gets).toBe(0);
    await cache.set('c', answer('c')); // evicts b
    await cache.get('a');
    await cache.get('c');
    expect(store.gets).toBe(0);
    expect(await cache.get('b')).toEqual(answer('b'));
    expect(store.gets).toBe(1);
  });

  it('with memoryEntries 0 every get reaches the store', async () => {
    const { cache, store } = layered({ memoryEntries: 0 });
    await cache.set('k', answer('x'));
    await cache.get('k');
    await cache.get('k');
    expect(store.gets).toBe(2);
  });

  it('hands out copies, so a caller mutating an answer cannot change what others get', async () => {
    const { cache } = layered();
    await cache.set('k', answer('original'));
    const got = await cache.get('k');
    got!.text = 'mutated';
    got!.usage.inputTokens = 999;
    expect(await cache.get('k')).toEqual(answer('original'));
  });

  it('never serves an entry that is not an answer', async () => {
    const store = new CountingStore(path.join(tmp, 'cache.sqlite'));
    const keyv = new Keyv({ store, namespace: 'llm', serialize: JSON.stringify, deserialize: JSON.parse });
    await keyv.set('junk', { hello: 'world' });
    const cache = keyvResponseCache(keyv, { memoryEntries: 10, mode: 'rw' });
    open.push(cache);
    expect(await cache.get('junk')).toBeUndefined();
  });
});

describe('batched reads', () => {
  it('reads made in the same turn reach the store as one batch, each answered with its own value', async () => {
    const { cache: writer } = layered();
    for (const k of ['a', 'b', 'c']) await writer.set(k, answer(k));
    const store = new CountingStore(path.join(tmp, 'cache.sqlite'));
    const batches: string[][] = [];
    const getMany = store.getMany.bind(store);
    store.getMany = async <Value>(keys: string[]) => {
      batches.push(keys);
      return getMany<Value>(keys);
    };
    const keyv = new Keyv({ store, namespace: 'llm', serialize: JSON.stringify, deserialize: JSON.parse, throwOnErrors: true });
    const cache = keyvResponseCache(keyv, { memoryEntries: 0, mode: 'rw' });
    open.push(cache);
    const got = await Promise.all(['c', 'missing', 'a', 'b', 'a'].map((k) => cache.get(k)));
    expect(got.map((v) => v?.text)).toEqual(['c', undefined, 'a', 'b', 'a']);
    // One batch; a key asked twice in it is read once.
    expect(batches).toEqual([['llm:c', 'llm:missing', 'llm:a', 'llm:b']]);
  });
});

describe('ttl', () => {
  for (const memoryEntries of [0, 100]) {
    it(`an entry is served until ttlMs after it was stored, then missed (memoryEntries ${memoryEntries})`, async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_000_000);
      const { cache } = layered({ ttlMs: 1000, memoryEntries });
      await cache.set('k', answer('brief'));
      vi.setSystemTime(1_000_999);
      expect(await cache.get('k')).toEqual(answer('brief'));
      vi.setSystemTime(1_001_001);
      expect(await cache.get('k')).toBeUndefined();
    });
  }

  it('a memory entry filled by a set expires when the stored entry does', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { cache, store } = layered({ ttlMs: 1000 });
    await cache.set('k', answer('brief')); // fills memory
    vi.setSystemTime(1_000_999);
    expect(await cache.get('k')).toEqual(answer('brief'));
    expect(store.gets).toBe(0);
    vi.setSystemTime(1_001_001);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('without ttlMs entries never expire', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const { cache } = layered({ memoryEntries: 0 });
    await cache.set('k', answer('kept'));
    vi.setSystemTime(1_000_000 + 10 * 365 * 86_400_000);
    expect(await cache.get('k')).toEqual(answer('kept'));
  });
});

describe('modes', () => {
  /** What a plain rw reader on the same file sees. */
  async function stored(key: string): Promise<CachedResponse | undefined> {
    const { cache } = layered({ memoryEntries: 0 });
    return cache.get(key);
  }

  it('rw serves stored answers and stores new ones', async () => {
    const { cache } = layered({ mode: 'rw' });
    await cache.set('k', answer('one'));
    expect(await cache.get('k')).toEqual(answer('one'));
    await cache.set('k', answer('two'));
    expect(await stored('k')).toEqual(answer('two'));
  });

  it('read serves stored answers and never stores', async () => {
    const { cache: writer } = layered();
    await writer.set('old', answer('old'));
    const { cache } = layered({ mode: 'read' });
    expect(await cache.get('old')).toEqual(answer('old'));
    await cache.set('new', answer('new'));
    await cache.set('old', answer('replaced'));
    expect(await cache.get('new')).toBeUndefined();
    expect(await stored('new')).toBeUndefined();
    expect(await stored('old')).toEqual(answer('old'));
  });

  it('write never serves, adds answers the cache lacks, and keeps the ones it has', async () => {
    const { cache: writer } = layered();
    await writer.set('old', answer('old'));
    const { cache, store } = layered({ mode: 'write' });
    expect(await cache.get('old')).toBeUndefined();
    expect(store.gets).toBe(0);
    await cache.set('old', answer('fresh'));
    await cache.set('new', answer('new'));
    expect(await cache.get('new')).toBeUndefined();
    expect(await stored('old')).toEqual(answer('old'));
    expect(await stored('new')).toEqual(answer('new'));
  });

  it('refresh never serves and replaces stored answers', async () => {
    const { cache: writer } = layered();
    await writer.set('old', answer('old'));
    const { cache, store } = layered({ mode: 'refresh' });
    expect(await cache.get('old')).toBeUndefined();
    expect(store.gets).toBe(0);
    await cache.set('old', answer('fresh'));
    await cache.set('new', answer('new'));
    expect(await cache.get('old')).toBeUndefined();
    expect(await stored('old')).toEqual(answer('fresh'));
    expect(await stored('new')).toEqual(answer('new'));
  });

  it('openResponseCache passes mode, ttl and memory size through', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const cache = await openResponseCache({ dir: tmp, mode: 'read', ttlMs: 1000, memoryEntries: 0 });
    open.push(cache);
    await cache.set('k', answer('never stored'));
    expect(await stored('k')).toBeUndefined();
    const writer = await openResponseCache({ dir: tmp, ttlMs: 1000 });
    open.push(writer);
    await writer.set('k', answer('stored'));
    expect(await cache.get('k')).toEqual(answer('stored'));
    vi.setSystemTime(1_001_001);
    expect(await cache.get('k')).toBeUndefined();
  });
});
