/**
 * The embed engine: text → cache lookup → batches of misses → send (bounded, retried, paced) →
 * cache store → outcome, for every row, yielded in input order with a bounded window of rows.
 *
 * Lookups run concurrently but join batches in input order (a chain), so batches hold texts in
 * the order read: with --batch-size 100, 250 new texts go as 100, 100, 50. A batch goes when full,
 * when the input ends or stops, when the oldest row waits on it (the window is full), or, with
 * `lingerMs`, when no row arrived for that long (a trickling pipe).
 */
import type { CachedEmbedding, EmbeddingCache } from '../cache/embedding-cache.js';
import type { ProviderError } from '../errors.js';
import type { Row } from '../io/table.js';
import type { Embedder } from '../providers/embeddings.js';
import type { Usage } from '../providers/provider.js';
import { ConcurrencyController } from './concurrency-controller.js';
import { batchSender, type BatchResult } from './embed-batch.js';
import type { RowOutcome, RunObserver } from './events.js';
import { FatalRunError } from './map-rows.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RetryPolicy } from './retry.js';
import { shareTokens } from './share-tokens.js';
import { InFlight, type InFlightEntry } from './in-flight.js';
import { Wakeup } from './wakeup.js';

/** How a row ended, with its vector (null when skipped, failed or stopped). */
export interface EmbedOutcome extends RowOutcome {
  vector: Float32Array | null;
}

/** A row with how it ended. */
export interface EmbeddedRow {
  row: Row;
  outcome: EmbedOutcome;
}

/** What the embed engine needs. */
export interface EmbedEngineOptions {
  embedder: Embedder;
  cache: EmbeddingCache;
  /** Cache key of a text (names provider, endpoint, model and dimensions). */
  cacheKey: (text: string) => string;
  /** The text to embed of a row; blank = no embedding (the row is skipped, not sent). */
  textOf: (row: Row) => string;
  /** Texts per request. */
  batchSize: number;
  /** The most requests in flight at once; the engine adapts between 1 and this. */
  concurrency: number;
  /** Keep exactly `concurrency` requests in flight instead of adapting (default false). */
  fixedConcurrency?: boolean;
  /** Paces requests to --rpm/--tpm and the server's rate-limit headers; absent = no pacing. */
  rateLimiter?: RateLimiter;
  /** Rows read but not yet yielded: caps memory. Should hold a few batches per request in flight. */
  window: number;
  /** Send a partly filled batch when no row arrived for this long; undefined = never on time alone. */
  lingerMs?: number;
  retry: RetryPolicy;
  observer: RunObserver;
  /** Hard stop: aborts requests in flight. */
  signal: AbortSignal;
  /** Soft stop: no new rows or requests start; requests in flight finish and are cached. */
  stop?: AbortSignal;
  now?: () => number;
}

/** A text's answer, shared by the rows with that text in the window. */
type Resolution =
  | { kind: 'cached'; value: CachedEmbedding }
  | { kind: 'sent'; vector: Float32Array; usage: Usage; latencyMs: number; attempts: number }
  | { kind: 'failed'; error: ProviderError; latencyMs: number; attempts: number };

/** One distinct text on its way: looked up, then batched and sent unless the cache had it. */
interface Slot {
  key: string;
  text: string;
  /** Its first row, named in request and retry events. */
  index: number;
  /** 'lookup' until the chain reaches it; 'open' in the batch being filled; then 'sent' or 'settled'. */
  state: 'lookup' | 'open' | 'sent' | 'settled';
  result: Promise<Resolution>;
  settle(resolution: Resolution): void;
  /** Its entry among the texts in flight, emptied once it settles. */
  inFlight?: InFlightEntry<Slot>;
}

interface Entry {
  row: Row;
  /** Its text's slot; undefined for a skipped row. */
  slot?: Slot;
  outcome?: EmbedOutcome;
}

/** Embeds rows, yielding them in input order. Throws FatalRunError on auth failures. */
export async function* embedRows(rows: AsyncIterable<Row>, opts: EmbedEngineOptions): AsyncGenerator<EmbeddedRow> {
  const stop = opts.stop ?? new AbortController().signal;
  const controller = new ConcurrencyController({
    max: opts.concurrency,
    adaptive: !opts.fixedConcurrency,
    onChange: (n) => opts.observer.onConcurrency?.(n),
  });
  opts.observer.onConcurrency?.(controller.current);
  const send = batchSender(opts.embedder, {
    retry: opts.retry,
    observer: opts.observer,
    signal: opts.signal,
    stop,
    now: opts.now ?? (() => performance.now()),
    limiter: opts.rateLimiter,
    controller,
  });

  const queue: Entry[] = [];
  const slots = new InFlight<Slot>();
  const wakeup = new Wakeup();
  let open: Slot[] = [];
  // Lookups settle into batches in input order along this chain.
  let chain: Promise<void> = Promise.resolve();
  let broken: { error: unknown } | undefined;
  let fatal: ProviderError | undefined;

  const fail = (error: unknown): void => {
    broken ??= { error };
    wakeup.notify();
  };

  const settleSlot = (slot: Slot, resolution: Resolution): void => {
    slot.state = 'settled';
    if (slot.inFlight) slot.inFlight.value = undefined;
    slot.settle(resolution);
  };

  const sendBatch = async (batch: Slot[]): Promise<void> => {
    const texts = batch.map((slot) => slot.text);
    const sent: BatchResult = await send(batch[0].index, texts);
    if (!sent.ok) {
      for (const slot of batch) settleSlot(slot, { kind: 'failed', error: sent.error, latencyMs: sent.latencyMs, attempts: sent.attempts });
      return;
    }
    const { vectors, usage } = sent.result;
    const shares = shareTokens(usage.inputTokens, texts);
    // Committed before the rows count as done: a crash after this point never loses a paid vector.
    await Promise.all(batch.map((slot, i) => opts.cache.set(slot.key, { vector: vectors[i], usage: shares[i] })));
    batch.forEach((slot, i) => {
      settleSlot(slot, { kind: 'sent', vector: vectors[i], usage: shares[i], latencyMs: sent.latencyMs, attempts: sent.attempts });
    });
  };

  const dispatch = (): void => {
    if (open.length === 0) return;
    const batch = open;
    open = [];
    for (const slot of batch) slot.state = 'sent';
    sendBatch(batch).catch(fail);
  };

  /** Sends the open batch once every lookup started so far has joined it. */
  const flushInOrder = (): void => {
    chain = chain.then(dispatch);
  };

  const lookUp = (slot: Slot): void => {
    const hit = opts.cache.get(slot.key);
    hit.catch(() => undefined); // observed on the chain below; this only keeps it from counting as unhandled
    chain = chain.then(async () => {
      let value: CachedEmbedding | undefined;
      try {
        value = await hit;
      } catch (err) {
        return fail(err);
      }
      if (value) return settleSlot(slot, { kind: 'cached', value });
      slot.state = 'open';
      open.push(slot);
      if (open.length >= opts.batchSize) dispatch();
    });
  };

  const admit = (row: Row, index: number): void => {
    const entry: Entry = { row };
    queue.push(entry);
    const text = opts.textOf(row);
    if (text.trim() === '') {
      entry.outcome = skipped(index);
      opts.observer.onRowDone?.(entry.outcome);
      return;
    }
    const key = opts.cacheKey(text);
    let slot = slots.get(key);
    const shared = slot !== undefined;
    if (!slot) {
      slot = newSlot(key, text, index);
      slot.inFlight = slots.add(key, slot);
      lookUp(slot);
    }
    entry.slot = slot;
    slot.result.then((resolution) => {
      const outcome = toOutcome(index, resolution, shared);
      entry.outcome = outcome;
      if (!outcome.stopped) opts.observer.onRowDone?.(outcome);
      if (resolution.kind === 'failed' && resolution.error.fatal) fatal ??= resolution.error;
      wakeup.notify();
    }, fail);
  };

  const iterator = rows[Symbol.asyncIterator]();
  const pull = async (): Promise<IteratorResult<Row>> => {
    const next = iterator.next();
    if (opts.lingerMs === undefined) return next;
    const timer = setTimeout(flushInOrder, opts.lingerMs);
    try {
      return await next;
    } finally {
      clearTimeout(timer);
    }
  };

  let pending: Promise<IteratorResult<Row>> | undefined;
  let ended = false;
  let exhausted = false;
  let index = 0;
  try {
    for (;;) {
      if (broken) throw broken.error;
      if (fatal) throw new FatalRunError(fatal);
      if (queue.length > 0 && queue[0].outcome) {
        const entry = queue.shift()!;
        yield { row: entry.row, outcome: entry.outcome! };
        continue;
      }
      if (!ended && stop.aborted) {
        ended = true;
        flushInOrder();
      }
      if (!ended && queue.length < opts.window) {
        // Finished rows go out while the next row is awaited (a slow pipe must not hold them back).
        if (pending === undefined) {
          pending = pull();
          pending.catch(() => undefined); // awaited below; a stop may leave it unawaited
        }
        const next = await Promise.race([pending, wakeup.wait().then(() => undefined)]);
        if (next === undefined) continue;
        pending = undefined;
        if (next.done) {
          ended = exhausted = true;
          flushInOrder();
        } else {
          admit(next.value, index++);
        }
        continue;
      }
      if (queue.length === 0) return;
      // The oldest row is not done: its batch must be on its way before waiting makes sense.
      const head = queue[0].slot!;
      if (head.state === 'lookup' || head.state === 'open') flushInOrder();
      await wakeup.wait();
    }
  } finally {
    // Stopped, broken or abandoned by the consumer: let the reader release its file.
    if (!exhausted) await iterator.return?.();
  }
}

function newSlot(key: string, text: string, index: number): Slot {
  let settle!: (resolution: Resolution) => void;
  const result = new Promise<Resolution>((resolve) => (settle = resolve));
  return { key, text, index, state: 'lookup', result, settle };
}

function skipped(index: number): EmbedOutcome {
  return done(index, 'skipped', null, {}, 0);
}

function toOutcome(index: number, r: Resolution, shared: boolean): EmbedOutcome {
  if (r.kind === 'cached') return done(index, 'cached', r.value.vector, r.value.usage, 0);
  // A second row with a text sent in this run is answered as the cache would answer it.
  if (r.kind === 'sent') return shared ? done(index, 'cached', r.vector, r.usage, 0) : done(index, 'sent', r.vector, r.usage, r.attempts, r.latencyMs);
  const outcome = done(index, 'failed', null, {}, shared ? 0 : r.attempts, r.latencyMs);
  outcome.error = r.error.message;
  if (r.error.kind === 'aborted') outcome.stopped = true;
  return outcome;
}

function done(
  index: number,
  status: EmbedOutcome['status'],
  vector: Float32Array | null,
  usage: Usage,
  attempts: number,
  latencyMs?: number,
): EmbedOutcome {
  const outcome: EmbedOutcome = { index, status, text: '', finishReason: null, usage, attempts, vector };
  if (latencyMs !== undefined) outcome.latencyMs = latencyMs;
  return outcome;
}
