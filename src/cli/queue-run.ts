/**
 * The coordinator side of `llmap run --queue`: opens the BullMQ queue and its event stream on the
 * queue's Redis and starts the queued engine, in place of the in-process one.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { RunConfig } from '../config/run-config.js';
import { shownQueueUrl } from '../config/queue-config.js';
import { describeError, UsageError } from '../errors.js';
import { queueConnection, QUEUE_NAME, queueSettings } from '../engine/queue/chunk-job.js';
import { mapRowsQueued } from '../engine/queue/queued-rows.js';
import type { RowOutcome } from '../engine/events.js';
import { inChunks } from '../io/row-chunks.js';
import type { RenderRow } from '../prompt/template.js';
import type { CliContext } from './context.js';
import type { EngineWiring, StartedEngine } from './table-run.js';

/** Chunks queued ahead of the one being written: enough to keep a few dozen workers busy. */
const CHUNKS_AHEAD = 32;
/** How often the coordinator looks for workers while it waits. */
const WATCH_MS = 10_000;
/** How long to wait for Redis before telling the user it is not there. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Starts the queued engine for a run with --queue. */
export async function startQueued(config: RunConfig, render: RenderRow, wiring: EngineWiring, cli: CliContext): Promise<StartedEngine<RowOutcome>> {
  const { url, chunkSize } = config.queue!;
  const settings = queueSettings(config);
  let ready = false;
  // A server that is not there fails the run at once; a connection lost later is tried again.
  const retryStrategy = (n: number) => (ready ? Math.min(2_000, 100 * n) : n > 2 ? null : 200 * n);
  const connection = { ...queueConnection(url), connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy };
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  // Every chunk waiting adds listeners; dozens are expected, not a leak.
  queue.setMaxListeners(0);
  events.setMaxListeners(0);
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  const close = async () => {
    await Promise.allSettled([events.close(), queue.close()]);
  };
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    ready = true;
  } catch (err) {
    await close();
    throw new UsageError(`cannot connect to the queue at ${shownQueueUrl(url)}: ${describeError(err)}; start the server or fix --queue`);
  }
  const stopWatching = watchWorkers(queue, (line) => cli.stderr.write(`llmap: ${line}\n`), shownQueueUrl(url));
  const workers = new Set<string>();
  const mapped = mapRowsQueued(wiring.rows, {
    queue,
    events,
    settings,
    render,
    chunkSize,
    ahead: CHUNKS_AHEAD,
    observer: wiring.observer,
    signal: wiring.signal,
    stop: wiring.stop,
    onChunk: (result) => workers.add(result.worker),
  });
  return {
    mapped: inChunks(mapped),
    async close() {
      stopWatching();
      await close();
      if (!config.quiet && workers.size > 0) {
        cli.stderr.write(`llmap: chunks answered by ${workers.size} ${workers.size === 1 ? 'worker' : 'workers'}: ${[...workers].sort().join(', ')}\n`);
      }
    },
  };
}

/**
 * Says so when no worker is taking chunks (at the start, or when the last one went away): the run
 * then waits, the chunks safe in the queue. Returns the function that stops watching.
 */
function watchWorkers(queue: Queue, say: (line: string) => void, shown: string): () => void {
  let warned = false;
  const look = async () => {
    const count = await queue.getWorkersCount().catch(() => undefined);
    if (count === 0 && !warned) say(`no worker is taking chunks from ${shown}; start one with: llmap worker --queue ${shown}`);
    if (count !== undefined) warned = count === 0;
  };
  void look();
  const timer = setInterval(() => void look(), WATCH_MS);
  timer.unref();
  return () => clearInterval(timer);
}
