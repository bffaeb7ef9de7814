/**
 * Cache management behind `llmap cache stats|clear|prune`, one implementation per store kind:
 * SQLite answers with SQL; the JSON file and Redis are walked with keyv's iterator.
 */
import { existsSync, statSync } from 'node:fs';
import type { Keyv } from 'keyv';
import type { CacheLocation } from './cache-uri.js';
import { isCachedResponse } from './keyv-response-cache.js';
import { openKeyv } from './open-keyv.js';
import type { SqliteStore } from './sqlite-store.js';

/** What a store holds. */
export interface CacheStats {
  /** Unexpired entries. */
  entries: number;
  /** Bytes used; see `bytesOf` for what was measured. */
  bytes: number;
  /** What `bytes` measures, e.g. "database file and its write-ahead log". */
  bytesOf: string;
  /** Earliest and latest store time (ms since epoch); undefined when empty. */
  oldest?: number;
  newest?: number;
}

/** Management operations on one opened store. */
export interface CacheAdmin {
  /** Counts what is stored. */
  stats(): Promise<CacheStats>;
  /** Removes every entry; returns how many there were. */
  clear(): Promise<number>;
  /** Removes entries stored before `before` (ms since epoch), and any expired ones; returns how many were stored before. */
  prune(before: number): Promise<number>;
  /** Flushes and closes the store. */
  close(): Promise<void>;
}

/** Opens the store at `location` for management; throws UsageError when it cannot be used. */
export async function openCacheAdmin(location: CacheLocation): Promise<CacheAdmin> {
  // Looking must not create: `llmap cache stats` on a fresh machine leaves no empty cache behind.
  if (location.kind !== 'redis' && !existsSync(location.path)) return emptyAdmin(location.kind);
  const keyv = await openKeyv(location);
  if (location.kind === 'sqlite') return sqliteAdmin(keyv, location.path);
  const bytes =
    location.kind === 'file'
      ? async () => ({ bytes: fileSize(location.path), bytesOf: 'JSON file' })
      : async (walked: number) => ({ bytes: walked, bytesOf: 'keys and values, without Redis overhead' });
  return iteratingAdmin(keyv, bytes);
}

const SQLITE_BYTES_OF = 'database file and its write-ahead log';

function sqliteAdmin(keyv: Keyv, file: string): CacheAdmin {
  const store = keyv.store as SqliteStore;
  return {
    async stats() {
      const counted = store.stats();
      return { ...counted, bytes: fileSize(file) + fileSize(`${file}-wal`), bytesOf: SQLITE_BYTES_OF };
    },
    async clear() {
      const { entries } = store.stats();
      await store.clear();
      store.compact();
      return entries;
    },
    async prune(before) {
      const removed = store.prune(before);
      store.compact();
      return removed;
    },
    close: () => keyv.disconnect(),
  };
}

/** Stores without SQL: every operation walks the namespace with keyv's iterator (it skips and drops expired entries). */
function iteratingAdmin(keyv: Keyv, bytes: (walked: number) => Promise<{ bytes: number; bytesOf: string }>): CacheAdmin {
  const walk = async function* (): AsyncGenerator<[string, unknown]> {
    if (!keyv.iterator) throw new Error('this cache store cannot list its entries');
    for await (const [key, value] of keyv.iterator(undefined) as AsyncIterable<[string, unknown]>) yield [key, value];
  };
  const remove = async (keys: string[]): Promise<void> => {
    // Batches keep each Redis command (UNLINK) and each file rewrite to a bounded size.
    for (let i = 0; i < keys.length; i += 1000) await keyv.deleteMany(keys.slice(i, i + 1000));
  };
  return {
    async stats() {
      let entries = 0;
      let walked = 0;
      let oldest: number | undefined;
      let newest: number | undefined;
      for await (const [key, value] of walk()) {
        entries++;
        walked += Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value) ?? '');
        if (!isCachedResponse(value)) continue;
        if (oldest === undefined || value.storedAt < oldest) oldest = value.storedAt;
        if (newest === undefined || value.storedAt > newest) newest = value.storedAt;
      }
      return { entries, oldest, newest, ...(await bytes(walked)) };
    },
    async clear() {
      const keys: string[] = [];
      for await (const [key] of walk()) keys.push(key);
      await remove(keys);
      return keys.length;
    },
    async prune(before) {
      const keys: string[] = [];
      // An entry that is not an answer (no storedAt) has no age: it is left alone.
      for await (const [key, value] of walk()) if (isCachedResponse(value) && value.storedAt < before) keys.push(key);
      await remove(keys);
      return keys.length;
    },
    close: () => keyv.disconnect(),
  };
}

function emptyAdmin(kind: 'sqlite' | 'file'): CacheAdmin {
  const bytesOf = kind === 'sqlite' ? SQLITE_BYTES_OF : 'JSON file';
  return {
    stats: async () => ({ entries: 0, bytes: 0, bytesOf }),
    clear: async () => 0,
    prune: async () => 0,
    close: async () => undefined,
  };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
