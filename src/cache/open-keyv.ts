/**
 * Opens the keyv instance for a cache location. Each backend (native SQLite binding, keyv-file,
 * the Redis client) is imported only when chosen, so `llmap --help` never pays for them.
 */
import type { Keyv } from 'keyv';
import type { ReadMany } from './batched-reads.js';
import { describeCacheLocation, type CacheLocation } from './cache-uri.js';
import type { SqliteStore } from './sqlite-store.js';

/** The keyv namespace every llmap entry lives under. */
export const NAMESPACE = 'llm';

/** Opens (creating if missing) the store at `location`; throws UsageError when it cannot be used. */
export async function openKeyv(location: CacheLocation): Promise<Keyv> {
  const { Keyv } = await import('keyv');
  switch (location.kind) {
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite-store.js');
      return new Keyv({
        store: new SqliteStore(location.path),
        namespace: NAMESPACE,
        // keyv's default serializer walks the value by hand and parses with a reviver (to round-trip
        // Buffers, which we never store). Plain JSON measured 2 us instead of 4.4 us per set+get of a
        // 500 B value: small next to a ~50 us commit, but free.
        serialize: JSON.stringify,
        deserialize: JSON.parse,
        // Without this keyv swallows store errors: a failed set would look committed.
        throwOnErrors: true,
      });
    }
    case 'file': {
      const { JsonFileStore } = await import('./json-file-store.js');
      return new Keyv({
        store: new JsonFileStore(location.path),
        namespace: NAMESPACE,
        // No serializer: entries stay objects, so the file is plain readable JSON rather than JSON
        // strings inside JSON.
        serialize: undefined,
        deserialize: undefined,
        throwOnErrors: true,
      });
    }
    case 'redis': {
      const { openRedisStore } = await import('./redis-store.js');
      const store = await openRedisStore(location.url, describeCacheLocation(location));
      // The adapter prefixes keys with its namespace itself; keyv's prefix on top would double it.
      return new Keyv({
        store,
        namespace: NAMESPACE,
        useKeyPrefix: false,
        serialize: JSON.stringify,
        deserialize: JSON.parse,
        throwOnErrors: true,
      });
    }
  }
}

/**
 * For a SQLite cache, reads keyv's raw entries (`{value, expires}`) of many keys straight from the
 * store: the same prefix, serializer and expiry as keyv.getManyRaw (the store's query skips expired
 * rows), without its per-key hooks and awaits, which cost more than the lookup itself on a re-run.
 * Undefined for other stores (keyv's own path serves them).
 */
export function directRawReader(keyv: Keyv, location: CacheLocation): ReadMany | undefined {
  if (location.kind !== 'sqlite') return undefined;
  const store = keyv.opts.store as SqliteStore;
  return async (keys) => {
    const raw = await store.getMany<string>(keys.map((key) => `${NAMESPACE}:${key}`));
    return raw.map((text) => (typeof text === 'string' ? (JSON.parse(text) as unknown) : undefined));
  };
}
