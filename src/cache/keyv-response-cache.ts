/**
 * A ResponseCache over any keyv store, with a bounded in-memory LRU in front, a TTL and a mode.
 */
import type { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { batchedReads, type ReadMany } from './batched-reads.js';
import type { CachedResponse, ResponseCache } from './cache.js';

/** The cache modes, as the user types them. */
export const CACHE_MODES = ['rw', 'read', 'write', 'refresh'] as const;

/**
 * How a run uses the cache.
 * - `rw` (default): serve stored answers; store new ones.
 * - `read`: serve stored answers; never store (a shared or reviewed cache stays as it is).
 * - `write`: never serve: every prompt is sent again, so this run's output is fresh; store an
 *   answer only for a prompt the cache does not have yet, so earlier answers stay the ones that
 *   later `rw` runs replay (fills gaps, changes nothing).
 * - `refresh`: never serve; store every answer, replacing the stored one (re-run after a model
 *   update behind the same name, or to replace answers you no longer trust).
 */
export type CacheMode = (typeof CACHE_MODES)[number];

/** Options of the cache in front of a keyv store. */
export interface KeyvResponseCacheOptions {
  /** LRU entries kept in memory; 0 = none. */
  memoryEntries: number;
  /** Entries expire this long after being stored; undefined = never. */
  ttlMs?: number;
  /** See CacheMode. */
  mode: CacheMode;
  /** Reads raw entries of many keys faster than keyv.getManyRaw (same result); default keyv's. */
  readMany?: ReadMany;
}

/** The memory layer's total budget: long answers must not turn 10,000 entries into gigabytes. */
const MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;

interface Remembered {
  value: CachedResponse;
  /** When it expires (ms since epoch); undefined = never. */
  expires?: number;
}

/** Wraps `keyv` (already opened, with namespace and serializer set); closing it disconnects `keyv`. */
export function keyvResponseCache(keyv: Keyv, opts: KeyvResponseCacheOptions): ResponseCache {
  const { mode, ttlMs } = opts;
  // lru-cache rather than a Map trick: it bounds by count and by size at once, is well tested and
  // keeps eviction O(1); its own TTL clock is performance.now(), so expiry is checked here instead
  // against Date.now(), the clock the stores use.
  const memory =
    opts.memoryEntries > 0
      ? new LRUCache<string, Remembered>({
          max: opts.memoryEntries,
          maxSize: MEMORY_BUDGET_BYTES,
          // UTF-16 text plus the small fixed fields; an answer larger than the budget is not kept.
          sizeCalculation: (r) => 2 * (r.value.text.length + 100),
        })
      : undefined;
  const remember = (key: string, value: CachedResponse, expires: number | undefined): void => {
    memory?.set(key, { value, expires });
  };
  const readRaw = batchedReads(opts.readMany ?? ((keys) => keyv.getManyRaw(keys)));
  let closed = false;
  // Sets still on their way to the store: close() waits for them, or the last answers of a run
  // could reach a store that is already closed (or a file already written for the last time).
  const inFlight = new Set<Promise<void>>();

  return {
    get(key) {
      if (mode === 'write' || mode === 'refresh') return Promise.resolve(undefined);
      // An empty LRU (a re-run, where nothing new was paid for yet) is not asked at all.
      const held = memory !== undefined && memory.size > 0 ? memory.get(key) : undefined;
      if (held) {
        if (held.expires === undefined || held.expires > Date.now()) return Promise.resolve(structuredClone(held.value));
        memory!.delete(key);
      }
      // Not kept in memory: read in batches, the store answers in a few µs, and a re-run of a big
      // table reads each row once, so keeping them would only churn the LRU (it cost a fifth of a
      // cached re-run). Memory holds this run's new answers, for repeats of them later in the run.
      return readRaw(key).then(answerIn);
    },
    set(key, value) {
      if (mode === 'read') return Promise.resolve();
      const write = (async () => {
        if (mode === 'write' && (await keyv.has(key))) return;
        // Taken before the store's own clock reading, so memory never outlives the stored entry.
        const expires = ttlMs === undefined ? undefined : Date.now() + ttlMs;
        await keyv.set(key, value, ttlMs);
        if (mode === 'rw') remember(key, structuredClone(value), expires);
      })();
      inFlight.add(write);
      const forget = (): void => void inFlight.delete(write);
      write.then(forget, forget);
      return write;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inFlight]);
      memory?.clear();
      await keyv.disconnect();
    },
  };
}

/** The answer in a raw entry (`{value, expires}`), if it is one; fresh from JSON, so the caller's own. */
function answerIn(raw: unknown): CachedResponse | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { value } = raw as { value?: unknown };
  return isCachedResponse(value) ? value : undefined;
}

/** Guards against entries written by something else (or by hand) being served as answers. */
export function isCachedResponse(value: unknown): value is CachedResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<CachedResponse>;
  return typeof v.text === 'string' && typeof v.storedAt === 'number' && typeof v.usage === 'object' && v.usage !== null;
}
