/**
 * The response caches: the keyv-backed one (SQLite file, JSON file or Redis, behind an in-memory
 * LRU), one that stores nothing (--no-cache), and an in-memory one for tests. Importing this module
 * is cheap: keyv and each backend load only when a cache is opened.
 */
import type { CachedResponse, ResponseCache } from './cache.js';
import { CACHE_FILE, parseCacheUri } from './cache-uri.js';
import type { CacheMode } from './keyv-response-cache.js';

export { CACHE_FILE };
export type { CacheMode };

/** Memory-layer entries when the caller does not say. */
export const DEFAULT_MEMORY_ENTRIES = 10_000;

/** Options of openResponseCache. */
export interface OpenResponseCacheOptions {
  /** `--cache`: `sqlite:PATH`, `file:PATH.json` or `redis://HOST:PORT[/DB]`; default `sqlite:<dir>/cache.sqlite`. */
  uri?: string;
  /** The cache folder (`--cache-dir`), home of the default SQLite file. */
  dir: string;
  /** Answers kept in memory in front of the store (LRU); 0 = none. Default 10,000. */
  memoryEntries?: number;
  /** Entries expire this long after being stored; default never. */
  ttlMs?: number;
  /** rw (default), read, write or refresh: see CacheMode. */
  mode?: CacheMode;
}

/** Opens (creating if missing) the cache; throws UsageError when `uri` is malformed or the store cannot be used. */
export async function openResponseCache(opts: OpenResponseCacheOptions): Promise<ResponseCache> {
  const location = parseCacheUri(opts.uri, opts.dir);
  const [{ openKeyv, directRawReader }, { keyvResponseCache }] = await Promise.all([
    import('./open-keyv.js'),
    import('./keyv-response-cache.js'),
  ]);
  const keyv = await openKeyv(location);
  return keyvResponseCache(keyv, {
    memoryEntries: opts.memoryEntries ?? DEFAULT_MEMORY_ENTRIES,
    ttlMs: opts.ttlMs,
    mode: opts.mode ?? 'rw',
    readMany: directRawReader(keyv, location),
  });
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
