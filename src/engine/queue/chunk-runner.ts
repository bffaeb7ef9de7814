/**
 * A worker's engine for one run's settings: the chunks it takes are fed, one after another, into a
 * single mapRows (the engine of `llmap run`: cache, concurrency, pacing, retries), so its calls in
 * flight, its adaptive concurrency and its pacing carry over from one chunk to the next instead of
 * starting again at every chunk. A chunk is done when its last row comes out.
 */
import type { ResponseCache } from '../../cache/cache.js';
import type { Row } from '../../io/table.js';
import type { ChatRequest, Provider } from '../../providers/provider.js';
import type { RowOutcome } from '../events.js';
import { mapRows } from '../map-rows.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { RetryPolicy } from '../retry.js';
import type { ChunkJobData, ChunkResult, WireOutcome } from './chunk-job.js';

/** What a runner is built from. */
export interface ChunkRunnerOptions {
  provider: Provider;
  cache: ResponseCache;
  cacheKey: (request: ChatRequest) => string;
  system?: string;
  concurrency: number;
  startConcurrency: number;
  rateLimiter: RateLimiter;
  maxTokens?: number;
  retry: RetryPolicy;
  /** Aborts calls in flight (the worker is going away at once). */
  signal: AbortSignal;
  /** This worker's name, reported with each chunk. */
  worker: string;
}

interface Chunk {
  /** Position of its first row in the feed. */
  base: number;
  outcomes: WireOutcome[];
  left: number;
  rateLimited: number;
  resolve(result: ChunkResult): void;
  reject(err: unknown): void;
}

/** A fed row: [prompt, its chunk, its position in the chunk]. */
type FedRow = [string, Chunk, number];

/** Runs chunks of one run's settings through one engine. */
export class ChunkRunner {
  private readonly feed = new Feed<FedRow>();
  private readonly active: Chunk[] = [];
  private fed = 0;
  private broken: unknown;
  /** Resolves when the engine has stopped (closed, or failed for good). */
  readonly finished: Promise<void>;

  constructor(private readonly opts: ChunkRunnerOptions) {
    const mapped = mapRows(this.feed, {
      provider: opts.provider,
      cache: opts.cache,
      cacheKey: opts.cacheKey,
      render: (row) => (row as FedRow)[0],
      system: opts.system,
      concurrency: opts.concurrency,
      startConcurrency: opts.startConcurrency,
      rateLimiter: opts.rateLimiter,
      maxTokens: opts.maxTokens,
      window: Math.max(64, opts.concurrency * 4),
      retry: opts.retry,
      observer: {
        onRateLimited: (index) => {
          const chunk = this.chunkAt(index);
          if (chunk) chunk.rateLimited++;
        },
      },
      signal: opts.signal,
    });
    this.finished = this.drain(mapped);
  }

  /** Answers a chunk's prompts; rejects if the engine fails for good (e.g. the provider refuses the key). */
  run(data: ChunkJobData): Promise<ChunkResult> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise<ChunkResult>((resolve, reject) => {
      const chunk: Chunk = { base: this.fed, outcomes: new Array(data.prompts.length), left: data.prompts.length, rateLimited: 0, resolve, reject };
      if (chunk.left === 0) return resolve({ outcomes: [], rateLimited: 0, worker: this.opts.worker });
      this.active.push(chunk);
      this.fed += data.prompts.length;
      this.feed.push(data.prompts.map((p, i): FedRow => [p, chunk, i]));
    });
  }

  /** Ends the feed; resolves once the rows fed so far are done. */
  async close(): Promise<void> {
    this.feed.end();
    await this.finished;
  }

  private chunkAt(index: number): Chunk | undefined {
    return this.active.find((c) => index >= c.base && index < c.base + c.outcomes.length);
  }

  private async drain(mapped: AsyncIterable<{ row: Row; outcome: RowOutcome }>): Promise<void> {
    try {
      for await (const { row, outcome } of mapped) {
        const [, chunk, i] = row as FedRow;
        // Aborted (the worker is going away at once): the chunk is left to another worker.
        if (outcome.stopped) throw new Error(`the worker stopped before row ${i + 1} of the chunk was answered`);
        chunk.outcomes[i] = toWire(outcome);
        if (--chunk.left === 0) {
          this.active.splice(this.active.indexOf(chunk), 1);
          chunk.resolve({ outcomes: chunk.outcomes, rateLimited: chunk.rateLimited, worker: this.opts.worker });
        }
      }
    } catch (err) {
      this.broken = err;
      for (const chunk of this.active.splice(0)) chunk.reject(err);
    }
  }
}

function toWire(o: RowOutcome): WireOutcome {
  return {
    status: o.status,
    text: o.text,
    finishReason: o.finishReason,
    usage: o.usage,
    ...(o.error !== undefined && { error: o.error }),
    ...(o.latencyMs !== undefined && { latencyMs: o.latencyMs }),
    attempts: o.attempts,
  };
}

/** An async iterable that yields what is pushed, waiting when empty, until ended. */
class Feed<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private ended = false;
  private wake: (() => void) | undefined;

  push(items: T[]): void {
    for (const item of items) this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.head < this.items.length) {
        const item = this.items[this.head];
        this.items[this.head++] = undefined as T;
        // Drop what was consumed now and then, so the array does not grow for ever.
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        yield item;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
