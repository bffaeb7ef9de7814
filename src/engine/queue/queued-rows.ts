/**
 * The coordinator's engine (`llmap run --queue`): the same contract as mapRows (every row's outcome,
 * in input order, observers told as rows finish), but the rows are answered by `llmap worker`
 * processes: the input is cut into chunks, each chunk is a BullMQ job, and a bounded number of
 * chunks is queued ahead of the one being written, which keeps the rows held here bounded.
 *
 * A soft stop (Ctrl-C) queues nothing more and takes back the queued chunks no worker has started;
 * chunks being worked on finish (their answers are paid for and cached) within the grace period.
 * Finished chunks stay in Redis for a while (KEEP_COMPLETED), so the same command run again gets
 * them back without asking a worker; the rest is answered by the shared cache.
 */
import { Job, type Queue, type QueueEvents } from 'bullmq';
import type { Row } from '../../io/table.js';
import type { RenderRow } from '../../prompt/template.js';
import { UsageError } from '../../errors.js';
import type { RowOutcome, RunObserver } from '../events.js';
import type { MappedRow } from '../map-rows.js';
import { chunkJobId, KEEP_COMPLETED, settingsText, type ChunkJobData, type ChunkResult, type QueueSettings } from './chunk-job.js';

/** What the coordinator's engine needs. */
export interface QueuedRowsOptions {
  queue: Queue;
  events: QueueEvents;
  settings: QueueSettings;
  render: RenderRow;
  chunkSize: number;
  /** Chunks queued ahead of the one being written. */
  ahead: number;
  observer: RunObserver;
  /** Hard stop: stop waiting for chunks being worked on. */
  signal: AbortSignal;
  /** Soft stop: queue nothing more; take back chunks not started. */
  stop: AbortSignal;
  /** Told of every chunk done (which worker did it). */
  onChunk?(result: ChunkResult): void;
}

/** How a queued chunk ended, from the coordinator's side. */
type Settled =
  | { kind: 'done'; result: ChunkResult; earlier: boolean }
  | { kind: 'stopped' }
  | { kind: 'failed'; reason: string };

interface Pending {
  first: number;
  rows: Row[];
  id: string;
  settled: Promise<Settled>;
  finished: boolean;
  /** Ends the wait as stopped: the chunk was removed before any worker took it. */
  takenBack(): void;
}

/** Attempts of a chunk before it fails the run (a worker dying is not an attempt: BullMQ retries stalled jobs). */
const CHUNK_ATTEMPTS = 3;

/** Maps rows to outcomes in input order through the queue. Throws UsageError when a chunk fails for good. */
export async function* mapRowsQueued(rows: AsyncIterable<Row>, opts: QueuedRowsOptions): AsyncIterable<MappedRow> {
  const startedAt = Date.now();
  const settings = settingsText(opts.settings);
  const pending: Pending[] = [];
  const input = chunksOf(rows, opts.chunkSize)[Symbol.asyncIterator]();
  let inputDone = false;
  let first = 0;
  const takeBack = onceStopped(opts.stop, () => void takeBackQueued(opts.queue, pending));

  try {
    for (;;) {
      while (!inputDone && !opts.stop.aborted && pending.length < opts.ahead) {
        const next = await input.next();
        if (next.done) {
          inputDone = true;
          break;
        }
        pending.push(await enqueue(opts, settings, first, next.value, startedAt));
        first += next.value.length;
      }
      // The head stays in `pending` while awaited, so a stop can take it back too.
      const head = pending[0];
      if (!head) return;
      const settled = await head.settled;
      head.finished = true;
      pending.shift();
      if (settled.kind === 'failed') {
        const last = head.first + head.rows.length;
        throw new UsageError(`the chunk of rows ${head.first + 1} to ${last} failed on the workers: ${settled.reason}`);
      }
      if (settled.kind === 'done') {
        opts.onChunk?.(settled.result);
        for (let i = 0; i < settled.result.rateLimited; i++) opts.observer.onRateLimited?.(head.first);
      }
      for (let i = 0; i < head.rows.length; i++) {
        const outcome = settled.kind === 'done' ? toOutcome(head.first + i, settled, i) : stopped(head.first + i);
        if (!outcome.stopped) {
          for (let a = 0; a < outcome.attempts; a++) opts.observer.onRequest?.(outcome.index);
          opts.observer.onRowDone?.(outcome);
        }
        yield { row: head.rows[i], outcome };
      }
    }
  } finally {
    takeBack();
    await input.return?.();
  }
}

/** Queues one chunk (or finds it done by an earlier run) and starts waiting for it. */
async function enqueue(opts: QueuedRowsOptions, settings: string, first: number, rows: Row[], startedAt: number): Promise<Pending> {
  const prompts = rows.map((row) => opts.render(row));
  const id = chunkJobId(settings, first, prompts);
  const data: ChunkJobData = { settings: opts.settings, first, prompts };
  const add = () =>
    opts.queue.add('chunk', data, {
      jobId: id,
      attempts: CHUNK_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_COMPLETED,
    });
  let job = await add();
  const state = await job.getState();
  if (state === 'failed') {
    // A chunk that failed in an earlier run (all its attempts): this run tries it again.
    await job.retry('failed');
  } else if (state === 'completed') {
    const stored = await Job.fromId<ChunkJobData, ChunkResult>(opts.queue, id);
    // An earlier run's rows that failed are tried again, as a single-process run would.
    if (stored && (stored.finishedOn ?? 0) < startedAt && stored.returnvalue?.outcomes.some((o) => o.status === 'failed')) {
      await stored.remove();
      job = await add();
    }
  }
  let takeBack: (s: Settled) => void = () => undefined;
  const takenBack = new Promise<Settled>((resolve) => (takeBack = resolve));
  return { first, rows, id, settled: settle(job, opts, startedAt, takenBack), finished: false, takenBack: () => takeBack({ kind: 'stopped' }) };
}

/** Waits for the chunk's result, or for the run to give up on it. */
async function settle(job: Job<ChunkJobData, ChunkResult>, opts: QueuedRowsOptions, startedAt: number, takenBack: Promise<Settled>): Promise<Settled> {
  let unsubscribe = (): void => undefined;
  const stoppedHard = new Promise<Settled>((resolve) => (unsubscribe = onceStopped(opts.signal, () => resolve({ kind: 'stopped' }))));
  const finished = job.waitUntilFinished(opts.events).then(
    async (result: ChunkResult): Promise<Settled> => {
      const stored = await Job.fromId(opts.queue, job.id!).catch(() => undefined);
      return { kind: 'done', result, earlier: (stored?.finishedOn ?? Date.now()) < startedAt };
    },
    (err: unknown): Settled => ({ kind: 'failed', reason: err instanceof Error ? err.message : String(err) }),
  );
  try {
    return await Promise.race([finished, stoppedHard, takenBack]);
  } finally {
    unsubscribe();
  }
}

/** Removes the chunks no worker has started (BullMQ refuses to remove a job a worker holds). */
async function takeBackQueued(queue: Queue, pending: Pending[]): Promise<void> {
  await Promise.all(
    pending
      .filter((p) => !p.finished)
      .map(async (p) => {
        const removed = await queue.remove(p.id).catch(() => 0);
        if (removed === 1) p.takenBack();
      }),
  );
}

function toOutcome(index: number, settled: { result: ChunkResult; earlier: boolean }, i: number): RowOutcome {
  const o = settled.result.outcomes[i];
  // Answers an earlier run paid for are this run's cache hits.
  if (settled.earlier && o.status === 'sent') {
    return { index, status: 'cached', text: o.text, finishReason: o.finishReason, usage: o.usage, attempts: 0 };
  }
  return { index, ...o };
}

function stopped(index: number): RowOutcome {
  return { index, status: 'failed', text: '', finishReason: null, usage: {}, error: 'not sent: the run was stopped', attempts: 0, stopped: true };
}

async function* chunksOf(rows: AsyncIterable<Row>, size: number): AsyncIterable<Row[]> {
  let chunk: Row[] = [];
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Runs `fn` once when `signal` aborts (at once if it has); returns the unsubscribe. */
function onceStopped(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
