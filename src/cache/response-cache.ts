/**
 * The response caches: the keyv + SQLite one on disk, one that stores nothing (--no-cache), and an
 * in-memory one for tests. Importing this module is cheap: keyv and the native SQLite binding load
 * only when a disk cache is opened.
 */
import path from 'node:path';
import type { CachedResponse, ResponseCache } from './cache.js';

/** The database file's name inside the cache folder. */
export const CACHE_FILE = 'cache.sqlite';

/** Opens (creating if missing) the disk cache in `dir`; throws UsageError when the file cannot be used. */
export async function openResponseCache(opts: { dir: string }): Promise<ResponseCache> {
  const [{ Keyv }, { SqliteStore }] = await Promise.all([import('keyv'), import('./sqlite-store.js')]);
  const store = new SqliteStore(path.join(opts.dir, CACHE_FILE));
  const keyv = new Keyv<CachedResponse>({
    store,
    namespace: 'llm',
    // keyv's default serializer walks the value by hand and parses with a reviver (to round-trip
    // Buffers, which we never store). Plain JSON measured 2 us instead of 4.4 us per set+get of a
    // 500 B value: small next to a ~50 us commit, but free.
    serialize: JSON.stringify,
    deserialize: JSON.parse,
    // Without this keyv swallows store errors: a failed set would look committed.
    throwOnErrors: true,
  });
  let closed = false;
  return {
    async get(key) {
      const value: unknown = await keyv.get(key);
      return isCachedResponse(value) ? value : undefined;
    },
    async set(key, value) {
      await keyv.set(key, value);
    },
    async close() {
      if (closed) return;
      closed = true;
      await keyv.disconnect();
    },
  };
}

/** A cache that stores nothing and never hits (--no-cache). */
export function noCache(): ResponseCache {
  return {
    async get() {
      return undefined;
    },
    async set() {},
    async close() {},
  };
}

/** An in-memory cache (for tests); pass `entries` to inspect or preload it. Values are copied both ways, like a real store. */
export function memoryCache(entries: Map<string, CachedResponse> = new Map()): ResponseCache {
  return {
    async get(key) {
      const value = entries.get(key);
      return value === undefined ? undefined : structuredClone(value);
    },
    async set(key, value) {
      entries.set(key, structuredClone(value));
    },
    async close() {},
  };
}

/** Guards against rows written by something else (or by hand) being served as answers. */
function isCachedResponse(value: unknown): value is CachedResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<CachedResponse>;
  return typeof v.text === 'string' && typeof v.storedAt === 'number' && typeof v.usage === 'object';
}
