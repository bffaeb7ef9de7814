/**
 * The batch engine: the same outcomes as the realtime engines (map-rows.ts, embed-rows.ts), in input
 * order, but the rows the cache does not answer go to the vendor's batch endpoint (run-batches.ts).
 * It reads the whole input first (a batch is submitted whole), so it holds every row, and the body
 * of each distinct request, until the batches end.
 */
import pMap from 'p-map';
import type { CachedResponse, ResponseCache } from '../../cache/cache.js';
import { ProviderError } from '../../errors.js';
import type { Row } from '../../io/table.js';
import type { BatchApi } from '../../providers/batch/batch-api.js';
import type { RowOutcome, RunObserver } from '../events.js';
import { FatalRunError } from '../map-rows.js';
import type { BatchStore } from './batch-store.js';
import { runBatches, type BatchRunResult } from './run-batches.js';

/** What the batch engine needs. */
export interface BatchEngineOptions<O extends RowOutcome> {
  api: BatchApi;
  store: BatchStore;
  scope: { vendor: string; endpoint: string; model: string };
  cache: ResponseCache;
  /**
   * A row's cache key and request body (the realtime adapter's own body, so the answer is the one a
   * realtime call would get, stored under the key it would have); undefined for a row not sent (blank).
   */
  requestOf: (row: Row) => { key: string; body: () => unknown } | undefined;
  /** The command's outcome from the common one and the answer (undefined when none). */
  outcome: (base: RowOutcome, answer: CachedResponse | undefined) => O;
  retries: number;
  pollMs: number;
  maxPollMs: number;
  observer: RunObserver;
  signal: AbortSignal;
  stop: AbortSignal;
  log: (line: string) => void;
  /**
   * --batch-fallback realtime: a request that failed in its batch is sent once more as a realtime
   * call (retried as realtime calls are) instead of in a new batch. Resolves with the answer or the
   * error message.
   */
  fallback?: (key: string) => Promise<CachedResponse | { error: string }>;
  /** Told how the batches went, before any row is yielded (and awaited: it may cancel batches left running). */
  onBatches?: (result: BatchRunResult) => void | Promise<void>;
}

interface Entry {
  row: Row;
  index: number;
  key?: string;
  hit?: CachedResponse;
}

/** Maps rows to outcomes in input order through batches. Throws FatalRunError on auth failures. */
export async function* mapRowsBatch<O extends RowOutcome>(rows: AsyncIterable<Row>, opts: BatchEngineOptions<O>): AsyncIterable<{ row: Row; outcome: O }> {
  const entries: Entry[] = [];
  const requests = new Map<string, () => unknown>();
  // Outcomes known before the end (cache hits, skipped rows, answers as batches end), so the
  // progress display counts rows done while the batches run; and the rows waiting on each key.
  const early = new Map<number, O>();
  const waiting = new Map<string, Entry[]>();
  const report = (e: Entry, outcome: O) => {
    early.set(e.index, outcome);
    opts.observer.onRowDone?.(outcome);
  };
  // The first row of a key that this run's batches answered counts as sent; its repeats as cached.
  const counted = new Set<string>();
  let index = 0;
  for await (const row of rows) {
    const i = index++;
    const request = opts.requestOf(row);
    const key = request?.key;
    const hit = key === undefined || requests.has(key) ? undefined : await opts.cache.get(key);
    const e: Entry = hit ? { row, index: i, key, hit } : { row, index: i, key };
    entries.push(e);
    if (key === undefined || hit) report(e, opts.outcome(...answeredOutcome(e, undefined, counted, 0)));
    else {
      if (!requests.has(key)) requests.set(key, request!.body);
      const list = waiting.get(key);
      if (list) list.push(e);
      else waiting.set(key, [e]);
    }
    if (opts.stop.aborted) break;
  }

  let result: BatchRunResult;
  try {
    result = await runBatches(requests.keys(), {
      api: opts.api,
      store: opts.store,
      scope: opts.scope,
      cache: opts.cache,
      bodyOf: (key) => requests.get(key)?.(),
      retries: opts.fallback ? 0 : opts.retries,
      pollMs: opts.pollMs,
      maxPollMs: opts.maxPollMs,
      signal: opts.signal,
      stop: opts.stop,
      log: opts.log,
      onSubmitted: (key) => opts.observer.onRequest?.(waiting.get(key)?.[0]?.index ?? 0),
      onAnswered(key, value, attempts) {
        for (const e of waiting.get(key) ?? []) report(e, opts.outcome(...answeredOutcome(e, value, counted, attempts)));
        waiting.delete(key);
      },
    });
  } catch (err) {
    // Unlike one row's call, a batch call that still fails after its retries leaves nothing to go on with.
    if (err instanceof ProviderError && err.kind !== 'aborted') throw new FatalRunError(err);
    throw err;
  }
  if (opts.fallback && !result.stopped && result.failed.size > 0) await fallBack(result, opts.fallback, opts.cache, opts.log);
  await opts.onBatches?.(result);

  for (const e of entries) {
    let outcome = early.get(e.index);
    if (outcome === undefined) {
      outcome = opts.outcome(...outcomeOf(e, result, counted));
      if (!outcome.stopped) opts.observer.onRowDone?.(outcome);
    }
    yield { row: e.row, outcome };
  }
}

/** A skipped row, a cache hit, or a row `answer` answered in this run (the first of its key counts as sent). */
function answeredOutcome(e: Entry, answer: CachedResponse | undefined, counted: Set<string>, attempts: number): [RowOutcome, CachedResponse?] {
  const index = e.index;
  if (e.key === undefined) return [{ index, status: 'skipped', text: '', finishReason: null, usage: {}, attempts: 0 }];
  if (e.hit) return [{ index, status: 'cached', text: e.hit.text, finishReason: e.hit.finishReason, usage: e.hit.usage, attempts: 0 }, e.hit];
  const first = !counted.has(e.key);
  counted.add(e.key);
  const status = first ? 'sent' : 'cached';
  return [{ index, status, text: answer!.text, finishReason: answer!.finishReason, usage: answer!.usage, attempts: first ? attempts : 0 }, answer];
}

/** The outcome of a row not known before the batches ended: answered by the fallback, failed, or stopped. */
function outcomeOf(e: Entry, result: BatchRunResult, counted: Set<string>): [RowOutcome, CachedResponse?] {
  const index = e.index;
  const answer = result.answered.get(e.key!);
  if (answer) return answeredOutcome(e, answer, counted, result.attempts.get(e.key!) ?? 1);
  const error = result.failed.get(e.key!);
  if (error !== undefined) {
    return [{ index, status: 'failed', text: '', finishReason: null, usage: {}, error, attempts: result.attempts.get(e.key!) ?? 1 }];
  }
  if (result.stopped) return [{ index, status: 'failed', text: '', finishReason: null, usage: {}, attempts: 0, stopped: true }];
  return [{ index, status: 'failed', text: '', finishReason: null, usage: {}, attempts: 0, error: 'no answer was collected for this request; run again to submit it' }];
}

/** Sends the failed requests as realtime calls, a few at a time; each answer is cached before it counts. */
async function fallBack(
  result: BatchRunResult,
  fallback: (key: string) => Promise<CachedResponse | { error: string }>,
  cache: ResponseCache,
  log: (line: string) => void,
): Promise<void> {
  const keys = [...result.failed.keys()];
  log(`llmap: sending the ${keys.length} ${keys.length === 1 ? 'request' : 'requests'} that failed in their batch as realtime calls (--batch-fallback realtime)`);
  await pMap(
    keys,
    async (key) => {
      const answer = await fallback(key);
      result.attempts.set(key, (result.attempts.get(key) ?? 1) + 1);
      if ('error' in answer) {
        result.failed.set(key, answer.error);
        return;
      }
      await cache.set(key, answer);
      result.answered.set(key, answer);
      result.failed.delete(key);
    },
    { concurrency: FALLBACK_CONCURRENCY },
  );
}

/** Realtime calls in flight at once for the fallback: a handful of leftovers, not a full run. */
const FALLBACK_CONCURRENCY = 8;
