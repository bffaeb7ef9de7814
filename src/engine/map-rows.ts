/**
 * The engine: render → cache lookup → call (bounded, retried) → cache store → outcome, for every
 * row, yielded in input order with a bounded number of rows at work. A row waiting out a backoff
 * is not at work: rows behind it keep starting, and the reorder buffer (bounded by rows and bytes)
 * holds their results until it is done.
 */
import type { CachedResponse, ResponseCache } from '../cache/cache.js';
import { ProviderError } from '../errors.js';
import { inChunks } from '../io/row-chunks.js';
import type { Row } from '../io/table.js';
import type { ChatRequest, Provider } from '../providers/provider.js';
import type { RenderRow } from '../prompt/template.js';
import { callWithRetry, type CallFailure, type CallSuccess } from './call-with-retry.js';
import { ConcurrencyController } from './concurrency-controller.js';
import { callForValidAnswer, type TypedAnswers } from './typed-call.js';
import { DeadEndpointBreaker } from './dead-endpoint-breaker.js';
import type { RowOutcome, RunObserver } from './events.js';
import { LoadJudge } from './load-judge.js';
import { InFlight, type InFlightEntry } from './in-flight.js';
import { LATER, orderedMap, type ItemEnd, type Lane } from './ordered-map.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RetryPolicy } from './retry.js';

/** A row with how it ended. */
export interface MappedRow {
  row: Row;
  outcome: RowOutcome;
}

/** What the engine needs. */
export interface EngineOptions {
  provider: Provider;
  cache: ResponseCache;
  /**
   * Cache key of a request (names provider, model, parameters and messages). Absent with no cache
   * (--no-cache): identical prompts in flight still share one call, found by their text.
   */
  cacheKey?: (request: ChatRequest) => string;
  render: RenderRow;
  system?: string;
  /** Typed answers (--schema/--fields): each answer validated, invalid ones retried; absent = text answers. */
  typed?: TypedAnswers;
  /** The most provider calls in flight at once; the engine adapts between 1 and this. */
  concurrency: number;
  /** Calls in flight at the start, adapting from there (default min(8, concurrency)). */
  startConcurrency?: number;
  /** Keep exactly `concurrency` calls in flight instead of adapting (default false). */
  fixedConcurrency?: boolean;
  /** Paces calls to --rpm/--tpm and the server's rate-limit headers; absent = no pacing. */
  rateLimiter?: RateLimiter;
  /** --max-tokens, for the token estimate charged to the rate limiter before a call. */
  maxTokens?: number;
  /** Rows at work at once: started, not finished, not waiting out a backoff. */
  window: number;
  /** Rows started but not yet yielded (default max(4096, 16 × window)). */
  reorderRows?: number;
  /** Bytes of finished rows held behind an unfinished one (default 64 MiB). */
  reorderBytes?: number;
  retry: RetryPolicy;
  observer: RunObserver;
  /** Hard stop: aborts calls in flight. */
  signal: AbortSignal;
  /** Soft stop: no new rows or calls start; calls in flight finish and are cached. */
  stop?: AbortSignal;
  now?: () => number;
}

/** The run must stop: every further row would fail the same way (e.g. a bad API key). */
export class FatalRunError extends Error {
  override name = 'FatalRunError';
  constructor(readonly error: ProviderError) {
    super(error.message);
  }
}

/** A row's answer, shared by identical prompts within the run. */
type Resolution =
  | { kind: 'cached'; value: CachedResponse; typed?: Record<string, unknown> }
  | { kind: 'sent'; call: CallSuccess & { value?: Record<string, unknown> } }
  | { kind: 'failed'; call: CallFailure };

/** A finished row with the answer it shares with identical prompts still in flight. */
interface SettledRow extends MappedRow {
  resolution: Resolution;
}

/** What identical prompts wait for: the first row settled, or why it could not be (the run is over). */
type Shared = SettledRow | { error: unknown };

/** Maps rows to outcomes in input order. Throws FatalRunError on auth failures. */
export async function* mapRows(rows: AsyncIterable<Row>, opts: EngineOptions): AsyncIterable<MappedRow> {
  for await (const chunk of mapRowChunks(inChunks(rows), opts)) yield* chunk;
}

/**
 * mapRows over chunks of rows (a record batch, a parsed block of text), yielding chunks of finished
 * rows: what a run uses, since per-row hops between generators cost more than a cached row's work.
 */
export function mapRowChunks(chunks: AsyncIterable<readonly Row[]>, opts: EngineOptions): AsyncIterable<MappedRow[]> {
  const now = opts.now ?? (() => performance.now());
  const stop = opts.stop ?? new AbortController().signal;
  const controller = new ConcurrencyController({
    max: opts.concurrency,
    start: opts.startConcurrency,
    adaptive: !opts.fixedConcurrency,
    onChange: (n) => opts.observer.onConcurrency?.(n),
    // No rate known yet: the first answer's headers may state one the rest must keep to.
    probe: opts.rateLimiter !== undefined && !opts.rateLimiter.pacing,
  });
  opts.observer.onConcurrency?.(controller.current);
  const ctx = {
    provider: opts.provider,
    retry: opts.retry,
    observer: opts.observer,
    signal: opts.signal,
    stop,
    now,
    eventTimes: opts.now === undefined,
    limiter: opts.rateLimiter,
    controller,
    maxTokens: opts.maxTokens,
    judge: new LoadJudge(now),
    breaker: new DeadEndpointBreaker(),
  };
  const typed = opts.typed;
  const cached = opts.cacheKey !== undefined;
  // Identical prompts in flight share one call; once it settles, the cache answers later duplicates.
  const inflight = new InFlight<Promise<Shared>>();

  const resolve = async (key: string, i: number, request: ChatRequest, lane: Lane): Promise<Resolution> => {
    const hit = cached ? await opts.cache.get(key) : undefined;
    if (hit && !typed) return { kind: 'cached', value: hit };
    if (hit) {
      // Only valid answers are stored; one that no longer checks out is asked for again.
      const checked = typed!.check(hit);
      if ('value' in checked) return { kind: 'cached', value: hit, typed: checked.value };
    }
    const call = typed ? await callForValidAnswer(ctx, i, request, typed, lane) : await callWithRetry(ctx, i, request, lane);
    if ('error' in call) return answerOf(call);
    const { text, finishReason, usage } = call.result;
    // Committed before the row counts as done: a crash after this point never loses the answer.
    if (cached) await opts.cache.set(key, { text, finishReason, usage, storedAt: Date.now() });
    return answerOf(call);
  };

  // The first row with a prompt. Without a cache there is nothing to look up or store, so the call
  // is taken as it comes: no async function, whose frame would cost most of a local row's work.
  // The row ends through its lane; the promise returned is for identical prompts and never rejects.
  const settle = (row: Row, key: string, i: number, request: ChatRequest, lane: ItemEnd<MappedRow>, entry: InFlightEntry<Promise<Shared>>): Promise<Shared> => {
    const answer: Promise<Resolution | CallSuccess | CallFailure> = cached || typed ? resolve(key, i, request, lane) : callWithRetry(ctx, i, request, lane);
    return answer.then(
      (answered) => {
        // Settled: later duplicates ask the cache.
        entry.value = undefined;
        let first: SettledRow;
        try {
          first = settled(row, i, 'kind' in answered ? answered : answerOf(answered), false);
        } catch (error) {
          lane.fail(error);
          return { error };
        }
        lane.finish(first);
        return first;
      },
      (error: unknown) => {
        entry.value = undefined;
        lane.fail(error);
        return { error };
      },
    );
  };

  const settled = (row: Row, i: number, resolution: Resolution, shared: boolean): SettledRow => {
    if (resolution.kind === 'failed' && resolution.call.error.fatal) throw new FatalRunError(resolution.call.error);
    const outcome = toOutcome(i, resolution, shared);
    // A sent row's answer has just come: the time read for its latency is the time it ended.
    const at = !shared && resolution.kind === 'sent' && ctx.eventTimes ? resolution.call.endedAt : undefined;
    if (!outcome.stopped) opts.observer.onRowDone?.(outcome, at);
    return { row, outcome, resolution };
  };

  // Not async: a row with nothing to send (a blank prompt) is done without a promise.
  const processRow = (row: Row, i: number, lane: ItemEnd<MappedRow>): MappedRow | Promise<MappedRow> | typeof LATER => {
    const prompt = opts.render(row);
    if (prompt.trim() === '') return done(row, skipped(i));
    const request: ChatRequest = opts.system === undefined ? { prompt } : { system: opts.system, prompt };
    // Without a cache only the prompt differs between the run's requests: it is the key in flight.
    const key = opts.cacheKey ? opts.cacheKey(request) : prompt;
    const pending = inflight.get(key);
    if (pending) {
      return pending.then((first) => {
        if ('error' in first) throw first.error;
        return settled(row, i, first.resolution, true);
      });
    }
    const entry = inflight.add(key);
    entry.value = settle(row, key, i, request, lane, entry);
    return LATER;
  };

  const done = (row: Row, outcome: RowOutcome): MappedRow => {
    if (!outcome.stopped) opts.observer.onRowDone?.(outcome);
    return { row, outcome };
  };

  return orderedMap(chunks, processRow, {
    // Rows ahead of the free call slots are only worth starting when a cache lookup may answer them.
    active: cached ? opts.window : () => Math.min(opts.window, controller.current),
    rows: opts.reorderRows ?? Math.max(4096, 16 * opts.window),
    bytes: opts.reorderBytes ?? 64 * 1024 * 1024,
    sizeOf: sizeOfRow,
    until: stop,
  });
}

/** About what a finished row holds in memory: its string cells and answer at two bytes a character. */
function sizeOfRow({ row, outcome }: MappedRow): number {
  let chars = outcome.text.length;
  for (const cell of row) chars += typeof cell === 'string' ? cell.length : 8;
  return 64 + 2 * chars;
}

/** A call's end as a row's answer. */
function answerOf(call: CallSuccess | CallFailure): Resolution {
  return 'error' in call ? { kind: 'failed', call } : { kind: 'sent', call };
}

function skipped(index: number): RowOutcome {
  return { index, status: 'skipped', text: '', finishReason: null, usage: {}, attempts: 0 };
}

function toOutcome(index: number, r: Resolution, shared: boolean): RowOutcome {
  if (r.kind === 'cached' || (shared && r.kind === 'sent')) {
    const v = r.kind === 'cached' ? r.value : r.call.result;
    const value = r.kind === 'cached' ? r.typed : r.call.value;
    const outcome: RowOutcome = { index, status: 'cached', text: v.text, finishReason: v.finishReason, usage: v.usage, attempts: 0 };
    if (value !== undefined) outcome.value = value;
    return outcome;
  }
  if (r.kind === 'sent') {
    const { result, latencyMs, attempts, value } = r.call;
    const outcome: RowOutcome = { index, status: 'sent', text: result.text, finishReason: result.finishReason, usage: result.usage, latencyMs, attempts };
    if (value !== undefined) outcome.value = value;
    return outcome;
  }
  const { error, latencyMs, attempts } = r.call;
  return {
    index,
    status: 'failed',
    text: '',
    finishReason: null,
    usage: (!shared && r.call.usage) || {},
    error: error.message,
    latencyMs,
    attempts: shared ? 0 : attempts,
    ...(error.kind === 'aborted' && { stopped: true }),
  };
}
