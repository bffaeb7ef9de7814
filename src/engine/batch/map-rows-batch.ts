/**
 * The batch engine: the same outcomes as the realtime engines (map-rows.ts, embed-rows.ts), in input
 * order, but the rows the cache does not answer go to the vendor's batch endpoint (run-batches.ts).
 * It reads the input twice (see mapRowsBatch) and never holds its rows.
 */
import pMap from 'p-map';
import type { CachedResponse, ResponseCache } from '../../cache/cache.js';
import { ProviderError } from '../../errors.js';
import type { Row } from '../../io/table.js';
import type { BatchApi } from '../../providers/batch/batch-api.js';
import type { ChatRequest } from '../../providers/provider.js';
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
  requestOf: (row: Row) => { key: string; body: () => unknown; realtime: ChatRequest } | undefined;
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
  fallback?: (request: ChatRequest) => Promise<CachedResponse | { error: string }>;
  /** Reads the answers back for the output (the cache itself, or a reader of it when the run's --cache-mode never serves). */
  answers: Pick<ResponseCache, 'get'>;
  /** Tests only (LLMAP_BATCH_DEBUG): told how many input rows were read when each batch was submitted. */
  debug?: (line: string) => void;
  /** Told how the batches went, before any row is yielded (and awaited: it may cancel batches left running). */
  onBatches?: (result: BatchRunResult) => void | Promise<void>;
}

/**
 * Maps rows to outcomes in input order through batches. Throws FatalRunError on auth failures.
 *
 * Three passes, none holding the rows: the input streams into the batches (run-batches.ts submits
 * each as it fills); the batches are waited for and every answer stored in the cache; then the
 * input is read again (`reread`) and each row answered from the cache, as a cached re-run would.
 * Memory holds the keys of the requests sent (and how many rows wait on each), not the rows.
 */
export async function* mapRowsBatch<O extends RowOutcome>(
  rows: AsyncIterable<Row>,
  reread: () => AsyncIterable<Row>,
  opts: BatchEngineOptions<O>,
): AsyncIterable<{ row: Row; outcome: O }> {
  // Rows waiting on each key; a key leaves once its rows are counted done (progress moves while
  // the batches run). A row of a key not here at the end was counted in the first pass or as its batch ended.
  const waiting = new Map<string, number>();
  let count = 0;
  async function* requests() {
    for await (const row of rows) {
      const index = count++;
      const request = opts.requestOf(row);
      const key = request?.key;
      if (key !== undefined && waiting.has(key)) waiting.set(key, waiting.get(key)! + 1);
      else {
        const hit = key === undefined ? undefined : await opts.cache.get(key);
        if (key === undefined || hit) opts.observer.onRowDone?.(opts.outcome(...known(index, key, hit)));
        else {
          waiting.set(key, 1);
          yield { key, body: request!.body };
        }
      }
      if (opts.stop.aborted) break;
    }
  }

  let result: BatchRunResult;
  try {
    result = await runBatches(requests(), {
      api: opts.api,
      store: opts.store,
      scope: opts.scope,
      cache: opts.cache,
      retries: opts.fallback ? 0 : opts.retries,
      pollMs: opts.pollMs,
      maxPollMs: opts.maxPollMs,
      signal: opts.signal,
      stop: opts.stop,
      log: opts.log,
      onSubmitted: () => opts.observer.onRequest?.(0),
      ...(opts.debug && { onCreated: (id: string) => opts.debug!(`llmap: debug: batch ${id} submitted after ${count} input rows read`) }),
      onAnswered(key, value, attempts) {
        const n = waiting.get(key) ?? 0;
        waiting.delete(key);
        // Which rows they are is known only when the input is read again; progress and the report need the count.
        for (let i = 0; i < n; i++) opts.observer.onRowDone?.(opts.outcome(...known(-1, key, value, i === 0 ? attempts : undefined)));
      },
    });
  } catch (err) {
    // Unlike one row's call, a batch call that still fails after its retries leaves nothing to go on with.
    if (err instanceof ProviderError && err.kind !== 'aborted') throw new FatalRunError(err);
    throw err;
  }
  if (opts.fallback && !result.stopped && result.failed.size > 0) await fallBack(result, failedRequests(result, reread(), count, opts.requestOf), opts.fallback, opts.cache, opts.log);
  await opts.onBatches?.(result);

  // The first row of a key this run's batches answered counts as sent; its repeats as cached.
  const counted = new Set<string>();
  let index = 0;
  for await (const row of reread()) {
    if (index >= count) break;
    const i = index++;
    const key = opts.requestOf(row)?.key;
    const answer = key === undefined ? undefined : await opts.answers.get(key);
    let outcome: O;
    if (answer && key !== undefined && result.answered.has(key) && !counted.has(key)) {
      counted.add(key);
      outcome = opts.outcome(...known(i, key, answer, result.attempts.get(key) ?? 1));
    } else if (answer || key === undefined) outcome = opts.outcome(...known(i, key, answer));
    else outcome = opts.outcome(...unanswered(i, key, result));
    // Counted already unless its key still waits (answered by the fallback, failed or stopped).
    if (key !== undefined && waiting.has(key)) {
      const left = waiting.get(key)! - 1;
      if (left > 0) waiting.set(key, left);
      else waiting.delete(key);
      if (!outcome.stopped) opts.observer.onRowDone?.(outcome);
    }
    yield { row, outcome };
  }
}

/**
 * A skipped row (no key), or one answered by `answer`: sent when `attempts` is given (the first
 * row of a key this run paid for), cached otherwise.
 */
function known(index: number, key: string | undefined, answer: CachedResponse | undefined, attempts?: number): [RowOutcome, CachedResponse?] {
  if (key === undefined || !answer) return [{ index, status: 'skipped', text: '', finishReason: null, usage: {}, attempts: 0 }];
  const status = attempts === undefined ? 'cached' : 'sent';
  return [{ index, status, text: answer.text, finishReason: answer.finishReason, usage: answer.usage, attempts: attempts ?? 0 }, answer];
}

/** A row the batches left without an answer: failed, or stopped. */
function unanswered(index: number, key: string, result: BatchRunResult): [RowOutcome, undefined] {
  const error = result.failed.get(key);
  if (error !== undefined) {
    return [{ index, status: 'failed', text: '', finishReason: null, usage: {}, error, attempts: result.attempts.get(key) ?? 1 }, undefined];
  }
  if (result.stopped) return [{ index, status: 'failed', text: '', finishReason: null, usage: {}, attempts: 0, stopped: true }, undefined];
  const why = 'no answer was collected for this request; run again to submit it';
  return [{ index, status: 'failed', text: '', finishReason: null, usage: {}, attempts: 0, error: why }, undefined];
}

/** Sends the failed requests as realtime calls, a few at a time; each answer is cached before it counts. */
async function fallBack(
  result: BatchRunResult,
  requests: AsyncIterable<{ key: string; realtime: ChatRequest }>,
  fallback: (request: ChatRequest) => Promise<CachedResponse | { error: string }>,
  cache: ResponseCache,
  log: (line: string) => void,
): Promise<void> {
  const n = result.failed.size;
  log(`llmap: sending the ${n} ${n === 1 ? 'request' : 'requests'} that failed in their batch as realtime calls (--batch-fallback realtime)`);
  await pMap(
    requests,
    async ({ key, realtime }) => {
      const answer = await fallback(realtime);
      result.attempts.set(key, (result.attempts.get(key) ?? 1) + 1);
      if ('error' in answer) {
        result.failed.set(key, answer.error);
        return;
      }
      await cache.set(key, answer);
      result.answered.add(key);
      result.failed.delete(key);
    },
    { concurrency: FALLBACK_CONCURRENCY },
  );
}

/** The requests of the failed keys, each once, found by reading the input again (they are not held). */
async function* failedRequests(
  result: BatchRunResult,
  rows: AsyncIterable<Row>,
  count: number,
  requestOf: BatchEngineOptions<RowOutcome>['requestOf'],
): AsyncIterable<{ key: string; realtime: ChatRequest }> {
  const left = new Set(result.failed.keys());
  let index = 0;
  for await (const row of rows) {
    if (left.size === 0 || index++ >= count) return;
    const request = requestOf(row);
    if (request && left.delete(request.key)) yield request;
  }
}

/** Realtime calls in flight at once for the fallback: a handful of leftovers, not a full run. */
const FALLBACK_CONCURRENCY = 8;
