/**
 * Opens the keyv instance for a cache location. Each backend (native SQLite binding, keyv-file,
 * the Redis client) is imported only when chosen, so `llmap --help` never pays for them.
 */
import type { Keyv } from 'keyv';
import { describeCacheLocation, type CacheLocation } from './cache-uri.js';

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
