/**
 * Gets answers for a stream of requests through a vendor's batch endpoint: adopts the batches in
 * flight that already hold some of them (from a run that was stopped or killed), submits the rest
 * as the stream goes, each batch as soon as it is as full as the vendor's limits allow, polls with
 * backoff, stores every answer in the cache under its key, and resubmits failed and expired
 * requests up to `retries` times. Memory holds the keys, not the requests: each request's line is
 * spooled to a temp file (request-spool.ts) and read back when a batch is created.
 *
 * Never twice: a record is saved before each batch is created (batch-store.ts), and a record left
 * without a batch id by a crash is looked up on the server before anything is created for it.
 */
import pMap from 'p-map';
import type { CachedResponse, ResponseCache } from '../../cache/cache.js';
import { ProviderError } from '../../errors.js';
import { BatchTooLargeError, customIdOf, type BatchApi, type RemoteBatch } from '../../providers/batch/batch-api.js';
import { backoffDelay, defaultRetryPolicy, sleep } from '../retry.js';
import { newLabel, type BatchRecord, type BatchStore } from './batch-store.js';
import { RequestSpool } from './request-spool.js';
import { BatchPacker, splitBatches } from './split-batches.js';

/** One request: its cache key and (computed once, when first seen) the body the realtime adapter would send. */
export interface BatchRequest {
  key: string;
  body: () => unknown;
}

/** What the runner needs. */
export interface BatchRunOptions {
  api: BatchApi;
  store: BatchStore;
  /** Which records are this endpoint's: vendor, base URL and model. */
  scope: { vendor: string; endpoint: string; model: string };
  cache: ResponseCache;
  /** Resubmissions of a failed or expired request. */
  retries: number;
  /** First poll interval; grows by half each poll up to maxPollMs. */
  pollMs: number;
  maxPollMs: number;
  /** Hard stop: aborts the HTTP call in progress. */
  signal: AbortSignal;
  /** Soft stop: no new batch is created and polling ends; batches keep running on the server. */
  stop: AbortSignal;
  /** Progress lines (batch status changes). */
  log: (line: string) => void;
  /** Told each request of a batch that ran, once it ended (the report counts them as requests; a refused batch ran none). */
  onSubmitted?: (key: string) => void;
  /** Told each batch created, by id. */
  onCreated?: (batchId: string) => void;
  /** Told each answer once it is in the cache, with the submissions it took (progress counts it done). */
  onAnswered?: (key: string, value: CachedResponse, attempts: number) => void;
  /** Also collect the batches in flight holding none of `keys` (`llmap batch resume`). */
  adoptAll?: boolean;
}

/** How it went. */
export interface BatchRunResult {
  /** Keys whose answers this run stored (the answers are in the cache). */
  answered: Set<string>;
  /** Keys with no answer, and why; with the submissions each had. */
  failed: Map<string, string>;
  /** Submissions per key (1 + resubmissions). */
  attempts: Map<string, number>;
  /** The run was stopped (Ctrl-C) before every request was answered or failed: batches may still be running. */
  stopped: boolean;
  /** The records still running on the server (after a stop). */
  running: BatchRecord[];
  /** Every batch this run created or waited on. */
  batchIds: string[];
  /** From the first submission (or adoption) until the last result was stored. */
  waitedMs: number;
}

/** Answers being written to the cache at once while a batch is collected. */
const STORES_IN_FLIGHT = 64;

/** Answers of a batch held before they are stored: the download is not held whole. */
const STORE_CHUNK = 1024;

/** Transient failures of the batch calls themselves (not of the requests inside). */
const CALL_ATTEMPTS = 5;

export async function runBatches(requests: Iterable<BatchRequest> | AsyncIterable<BatchRequest>, opts: BatchRunOptions): Promise<BatchRunResult> {
  const spool = new RequestSpool();
  try {
    return await runSpooled(requests, opts, spool);
  } finally {
    spool.close();
  }
}

/** The batch records of this scope still in flight, which key each holds, and every batch id already claimed by a record. */
async function recordsInFlight(store: BatchStore, scope: BatchRunOptions['scope']) {
  const all = await store.all();
  const claimed = new Set(all.flatMap((r) => (r.batchId ? [r.batchId] : [])));
  const inFlight = all.filter(
    (r) => (r.state === 'intent' || r.state === 'submitted') && r.vendor === scope.vendor && r.endpoint === scope.endpoint && r.model === scope.model,
  );
  const owner = new Map<string, BatchRecord>();
  for (const rec of inFlight) for (const k of rec.keys) owner.set(k, rec);
  return { claimed, inFlight, owner };
}

async function runSpooled(requests: Iterable<BatchRequest> | AsyncIterable<BatchRequest>, opts: BatchRunOptions, spool: RequestSpool): Promise<BatchRunResult> {
  const { api, store, scope } = opts;
  const policy = defaultRetryPolicy({ baseDelayMs: Math.min(500, opts.pollMs), maxDelayMs: Math.max(opts.pollMs, 5_000) });
  const result: BatchRunResult = { answered: new Set(), failed: new Map(), attempts: new Map(), stopped: false, running: [], batchIds: [], waitedMs: 0 };
  const started = Date.now();

  const { claimed, inFlight, owner } = await recordsInFlight(store, scope);
  /** The records of earlier runs this run collects: those holding any of its requests (all of them for adoptAll). */
  const adopted = new Set<BatchRecord>(opts.adoptAll ? inFlight : []);
  const active: BatchRecord[] = [];
  /** Requests waiting for room in the vendor's queue (see park). */
  const parked: { keys: string[]; round: number }[] = [];

  /** A call to the batch endpoint, retried on transient failures; an abort or a stop ends it. */
  async function call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof ProviderError) || !err.retryable || attempt >= CALL_ATTEMPTS) throw err;
        await sleep(err.retryAfterMs ?? backoffDelay(policy, attempt), opts.signal);
      }
    }
  }

  const save = (rec: BatchRecord) => store.save(rec);
  const failAll = (rec: BatchRecord, why: string) => {
    for (const k of rec.keys) result.failed.set(k, why);
  };

  /** New records for `keys`, split by the vendor's limits, each saved before its batch is created. */
  async function submit(keysToSend: string[], round: number): Promise<void> {
    const groups = splitBatches(keysToSend, (k) => spool.line(k)!, api.maxRequests, api.maxBytes);
    for (const group of groups) {
      if (opts.stop.aborted) return;
      const rec: BatchRecord = { version: 1, label: newLabel(), ...scope, createdAt: Date.now(), keys: group, state: 'intent', round };
      await save(rec);
      await create(rec, true);
    }
  }

  /** Creates the batch of an `intent` record; a record from an earlier run is first looked for on the server. */
  async function create(rec: BatchRecord, madeNow: boolean): Promise<void> {
    let lookFirst = !madeNow;
    for (let attempt = 1; ; attempt++) {
      if (lookFirst) {
        const found = await call(() => api.find(rec.label, rec.createdAt, rec.keys.length, claimed, opts.signal));
        if (found) return submitted(rec, found);
        if (rec.fileId === undefined) {
          const fileId = await call(() => api.findFile(rec.label, opts.signal));
          if (fileId !== undefined) {
            rec.fileId = fileId;
            await save(rec);
          }
        }
      }
      const lines = rec.keys.map((k) => spool.line(k));
      if (lines.some((b) => b === undefined)) {
        // Not on the server (looked for above), and not all its requests are known here: retired,
        // and this input's own requests submitted anew (the others go when their own input runs).
        rec.state = 'cancelled';
        await save(rec);
        const mine = rec.keys.filter((k, i) => lines[i] !== undefined);
        opts.log(`llmap: batch ${rec.label} was never created; submitting its ${mine.length} requests of this input anew`);
        await submit(mine, rec.round);
        return;
      }
      try {
        const b = await api.create(rec.label, lines as string[], opts.signal, { fileId: rec.fileId }, async (fileId) => {
          rec.fileId = fileId;
          await save(rec);
        });
        return submitted(rec, b);
      } catch (err) {
        if (err instanceof BatchTooLargeError) return split(rec, err.message);
        // A refusal (4xx) means no batch was made: the record is retired and its rows fail.
        if (err instanceof ProviderError && !err.retryable && !err.fatal && err.kind !== 'aborted') {
          rec.state = 'cancelled';
          await save(rec);
          failAll(rec, err.message);
          return;
        }
        // Otherwise the create may have reached the server though its answer did not reach us: the
        // record stays an intent (a later run looks for its batch first), and here we look before trying again.
        if (!(err instanceof ProviderError) || attempt >= CALL_ATTEMPTS) throw err;
        await sleep(err.retryAfterMs ?? backoffDelay(policy, attempt), opts.signal);
        lookFirst = true;
      }
    }
  }

  async function submitted(rec: BatchRecord, b: RemoteBatch): Promise<void> {
    rec.batchId = b.id;
    rec.state = 'submitted';
    rec.status = b.status;
    rec.counts = b.counts;
    claimed.add(b.id);
    await save(rec);
    result.batchIds.push(b.id);
    opts.onCreated?.(b.id);
    opts.log(`llmap: batch ${b.id} submitted: ${rec.keys.length} ${rec.keys.length === 1 ? 'request' : 'requests'}`);
    active.push(rec);
  }

  /** A batch refused for its size: retired (before its halves exist, so a crash can only leave keys unsubmitted), then halved. */
  async function split(rec: BatchRecord, why: string, refusal = 'refused a batch of %n requests as too large'): Promise<void> {
    rec.state = 'cancelled';
    await save(rec);
    if (rec.keys.length === 1) {
      failAll(rec, `${api.vendor} refused the request as too large: ${why}`);
      return;
    }
    const half = Math.ceil(rec.keys.length / 2);
    opts.log(`llmap: ${api.vendor} ${refusal.replace('%n', String(rec.keys.length))}; sending it as two`);
    await submit(rec.keys.slice(0, half), rec.round);
    await submit(rec.keys.slice(half), rec.round);
  }

  /**
   * A batch refused because the batches already queued fill the vendor's queue: retired, and its
   * requests sent again once those end (until then they are in no record, so a crash cannot send them twice).
   */
  async function park(rec: BatchRecord): Promise<void> {
    rec.state = 'cancelled';
    await save(rec);
    parked.push({ keys: rec.keys, round: rec.round });
    opts.log(`llmap: ${api.vendor}'s queue is full; the ${rec.keys.length} requests of batch ${rec.batchId} go again once the batches running end`);
  }

  /** Stores the results of an ended batch; resubmits its failures while retries are left. */
  async function collect(rec: BatchRecord, b: RemoteBatch): Promise<void> {
    if (b.refused !== undefined) {
      if (b.tooBig && rec.keys.length > 1) return split(rec, b.refused);
      if (b.queueFull && active.some((r) => r !== rec && r.state === 'submitted')) return park(rec);
      // Refused for the queue with nothing else queued: this batch alone is over the limit.
      if (b.queueFull && rec.keys.length > 1) return split(rec, b.refused, 'has no room in its queue for a batch of %n requests');
      rec.state = 'collected';
      await save(rec);
      failAll(rec, `${api.vendor} refused batch ${b.id}: ${b.refused}`);
      return;
    }
    if (opts.onSubmitted) for (const k of rec.keys) opts.onSubmitted(k);
    const byCustomId = new Map(rec.keys.map((k) => [customIdOf(k), k]));
    const failures = new Map<string, string>();
    const seen = new Set<string>();
    const answers: [string, CachedResponse][] = [];
    // Stored many at a time (one at a time, a store's commit per answer dominates a large batch).
    const store = () =>
      pMap(
        answers.splice(0),
        async ([key, value]) => {
          // In the cache before the row counts as done: a crash after this never pays for it again.
          await opts.cache.set(key, value);
          result.answered.add(key);
          result.failed.delete(key);
          result.attempts.set(key, rec.round + 1);
          opts.onAnswered?.(key, value, rec.round + 1);
        },
        { concurrency: STORES_IN_FLIGHT },
      );
    // Read as it downloads, a chunk of answers stored at a time; a transient failure restarts the
    // download from the top, the lines already handled skipped (they are joined by custom_id).
    await call(async () => {
      for await (const line of api.results(b.id, opts.signal)) {
        const key = byCustomId.get(line.customId);
        if (key === undefined || seen.has(key)) continue;
        seen.add(key);
        if (line.ok) {
          const { text, finishReason, usage } = line.result;
          answers.push([key, { text, finishReason, usage, storedAt: Date.now() }]);
          if (answers.length >= STORE_CHUNK) await store();
        } else failures.set(key, line.error);
      }
      await store();
    });
    for (const k of rec.keys) if (!seen.has(k)) failures.set(k, `no result for this request in batch ${b.id} (${b.status})`);
    for (const k of failures.keys()) result.attempts.set(k, rec.round + 1);
    rec.state = 'collected';
    await save(rec);
    const again: string[] = [];
    for (const [k, why] of failures) {
      if (rec.round < opts.retries && spool.has(k)) again.push(k);
      else result.failed.set(k, why);
    }
    if (again.length > 0) {
      opts.log(`llmap: batch ${b.id}: ${again.length} failed or expired ${again.length === 1 ? 'request' : 'requests'}, resubmitting`);
      await submit(again, rec.round + 1);
    }
  }

  try {
    // The stream: each request spooled; one an earlier run's batch holds adopts that batch; the
    // others packed in order, a batch submitted whenever the next request would not fit in it.
    const packer = new BatchPacker(api.maxRequests, api.maxBytes);
    const pending: string[] = [];
    for await (const { key, body } of requests) {
      if (spool.has(key)) continue;
      const line = api.line(customIdOf(key), body());
      spool.add(key, line);
      const rec = owner.get(key);
      if (rec) adopted.add(rec);
      else {
        if (packer.add(Buffer.byteLength(line) + 1) && pending.length > 0) await submit(pending.splice(0), 0);
        pending.push(key);
      }
    }
    owner.clear();
    const earlier = inFlight.filter((r) => adopted.has(r));
    adopted.clear();
    for (const rec of earlier) {
      if (rec.state === 'intent') {
        if (!opts.stop.aborted) await create(rec, false);
      } else {
        active.push(rec);
        if (rec.batchId) result.batchIds.push(rec.batchId);
      }
    }
    const found = earlier.filter((r) => r.state === 'submitted').length;
    if (found > 0) opts.log(`llmap: found ${found} ${found === 1 ? 'batch' : 'batches'} in flight from an earlier run; collecting`);
    await submit(pending.splice(0), 0);
    await poll();
  } catch (err) {
    if (!(err instanceof ProviderError && err.kind === 'aborted') && !opts.signal.aborted) throw err;
    result.stopped = true;
  }
  result.running = active.filter((r) => r.state === 'submitted');
  if (result.running.length > 0 || opts.stop.aborted) result.stopped = true;
  result.waitedMs = Date.now() - started;
  return result;

  async function poll(): Promise<void> {
    let delay = opts.pollMs;
    for (;;) {
      if (!active.some((r) => r.state === 'submitted') && parked.length > 0 && !opts.stop.aborted) {
        for (const { keys, round } of parked.splice(0)) await submit(keys, round);
      }
      const pending = active.filter((r) => r.state === 'submitted');
      if (pending.length === 0) return;
      if (opts.stop.aborted) return;
      for (const rec of pending) {
        const b = await call(() => api.get(rec.batchId!, opts.signal)).catch((err) => lost(rec, err));
        if (b === undefined) continue;
        if (b.status !== rec.status || b.counts.succeeded !== rec.counts?.succeeded || b.counts.failed !== rec.counts?.failed) {
          rec.status = b.status;
          rec.counts = b.counts;
          opts.log(`llmap: batch ${b.id}: ${b.status}, ${b.counts.succeeded + b.counts.failed}/${b.counts.total} done${b.counts.failed > 0 ? ` (${b.counts.failed} failed)` : ''}`);
        }
        if (b.ended) await collect(rec, b);
      }
      if (active.some((r) => r.state === 'submitted') && !opts.stop.aborted) {
        await sleepUnlessStopped(delay);
        delay = Math.min(opts.maxPollMs, Math.round(delay * 1.5));
      }
    }
  }

  /**
   * A batch the server says it does not have (404: deleted, or made with another account): its record
   * is retired and its requests of this input submitted again, or the record would hold them forever.
   */
  async function lost(rec: BatchRecord, err: unknown): Promise<undefined> {
    if (!(err instanceof ProviderError) || err.status !== 404) throw err;
    rec.state = 'cancelled';
    await save(rec);
    const again = rec.keys.filter((k) => spool.has(k));
    opts.log(`llmap: ${api.vendor} has no batch ${rec.batchId} (404); submitting its ${again.length} requests of this input again`);
    await submit(again, rec.round);
    return undefined;
  }

  /** Waits, ending early (without error) on a soft stop; a hard stop rejects. */
  function sleepUnlessStopped(ms: number): Promise<void> {
    const both = AbortSignal.any([opts.stop, opts.signal]);
    return sleep(ms, both).catch((err) => {
      if (opts.signal.aborted) throw new ProviderError('aborted', 'aborted', { cause: err });
    });
  }
}
