/** Counts what happened in a run, in constant memory, for the progress display and the final report. */
import { performance } from 'node:perf_hooks';
import type { RetryEvent, RowOutcome, RunObserver, SchemaRetryEvent } from '../engine/events.js';
import type { ProviderError } from '../errors.js';
import { ErrorTally } from './error-tally.js';
import { costOf, type Price } from './price-table.js';
import { LatencyHistogram } from './latency-histogram.js';
import { RunSeries } from './run-series.js';
import { safeRunInfo, type ConcurrencyRange, type RunInfo, type RunReport, type TokenCounts } from './run-report.js';

/** Counters so far; cheap to take, taken by the progress display a few times a second. */
export interface RunSnapshot {
  /** Input rows, once known. */
  total: number | undefined;
  /** Rows done, whatever their outcome. */
  done: number;
  sent: number;
  cached: number;
  skipped: number;
  failed: number;
  requests: number;
  retries: number;
  /** Requests refused with 429. */
  rateLimited: number;
  /** The engine's current concurrency limit (undefined until the engine starts). */
  concurrency: number | undefined;
  tokens: TokenCounts;
  /** US dollars spent so far (present only when the price is known). */
  cost?: number;
  /** Wall time since start (until the end, once ended) in ms. */
  elapsedMs: number;
  /** Rows done per second since start. */
  rowsPerSecond: number;
}

/** How the run ended, as known only by the CLI. */
export interface ReportEnd {
  /** The exit code the CLI will use (default 0). */
  exitCode?: number;
  /** Why the run stopped early, if it did. */
  stopped?: string;
  /** Provider, model, input, output... (fields named like credentials are dropped). */
  run?: RunInfo;
  /**
   * US dollars per million input and output tokens, and where they come from ("profile", "built-in
   * table (as of DATE)"); the report's `cost` is computed when given. Default: the constructor's.
   */
  price?: Price & { source?: string };
}

/** Clocks, injectable for tests. */
export interface RunStatsOptions {
  /** Monotonic ms clock for durations (default performance.now). */
  now?: () => number;
  /** Epoch ms clock for the report's timestamps (default Date.now). */
  wallClock?: () => number;
  /** US dollars per million tokens: snapshots then carry the cost so far. */
  price?: Price;
  /** A typed run (--schema/--fields): the report counts schema retries. */
  typed?: boolean;
}

const TOP_ERRORS = 5;

/** A RunObserver that tallies rows, requests, tokens, latency and errors. */
export class RunStats implements RunObserver {
  private readonly now: () => number;
  // Whether `now` is performance.now(), the clock of the times events carry (then one clock read per row is saved).
  private readonly eventTimes: boolean;
  private readonly wallClock: () => number;
  private readonly price: Price | undefined;
  private startedAt = 0;
  private startedWall = 0;
  private endedAt: number | undefined;
  private total: number | undefined;
  private sent = 0;
  private cached = 0;
  private skipped = 0;
  private failed = 0;
  private requests = 0;
  private retries = 0;
  private schemaRetries = 0;
  private readonly typed: boolean;
  private rateLimited = 0;
  private concurrency: ConcurrencyRange | null = null;
  private readonly tokens: TokenCounts = { input: 0, output: 0, cachedInput: 0, cachedOutput: 0 };
  private readonly latency = new LatencyHistogram();
  private readonly errors = new ErrorTally();
  private series!: RunSeries;

  constructor(opts: RunStatsOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    this.eventTimes = opts.now === undefined;
    this.wallClock = opts.wallClock ?? Date.now;
    this.price = opts.price;
    this.typed = opts.typed ?? false;
    this.start();
  }

  /** An event's time: the one it carries when on this clock, else now. */
  private timeOf(at: number | undefined): number {
    return at !== undefined && this.eventTimes ? at : this.now();
  }

  /** (Re)starts the wall-time clock; construction already does this. */
  start(): void {
    this.startedAt = this.now();
    this.startedWall = this.wallClock();
    this.endedAt = undefined;
    this.series = new RunSeries(this.startedAt);
  }

  // Observer callbacks are arrow fields so they survive being passed around unbound.

  /** Records the input row count. */
  onTotal = (total: number | undefined): void => {
    this.total = total;
  };

  /** Counts one provider call. */
  onRequest = (_index: number, at?: number): void => {
    this.requests++;
    this.series.count(this.timeOf(at), 'requests');
  };

  /** Counts a 5xx answer in its second (429s are counted by onRateLimited). */
  onRequestFailed = (_index: number, error: ProviderError): void => {
    if (error.status !== undefined && error.status >= 500) this.series.count(this.now(), 'serverErrors');
  };

  /** Counts one retry. */
  onRetry = (_event: RetryEvent): void => {
    this.retries++;
  };

  /** Counts one retry of an invalid typed answer. */
  onSchemaRetry = (_event: SchemaRetryEvent): void => {
    this.schemaRetries++;
  };

  /** Counts one 429. */
  onRateLimited = (_index: number): void => {
    this.rateLimited++;
    this.series.count(this.now(), 'rateLimited');
  };

  /** Follows the concurrency limit and its range. */
  onConcurrency = (current: number): void => {
    const c = this.concurrency;
    this.concurrency = c
      ? { final: current, min: Math.min(c.min, current), max: Math.max(c.max, current) }
      : { final: current, min: current, max: current };
    this.series.concurrency(this.now(), current);
  };

  /** Tallies a finished row. */
  onRowDone = (outcome: RowOutcome, at?: number): void => {
    const input = outcome.usage.inputTokens ?? 0;
    const output = outcome.usage.outputTokens ?? 0;
    this.series.row(this.timeOf(at), outcome.status, input, output, outcome.latencyMs);
    switch (outcome.status) {
      case 'sent':
        this.sent++;
        this.tokens.input += input;
        this.tokens.output += output;
        if (outcome.latencyMs !== undefined) this.latency.record(outcome.latencyMs);
        break;
      case 'cached':
        this.cached++;
        this.tokens.cachedInput += input;
        this.tokens.cachedOutput += output;
        break;
      case 'skipped':
        this.skipped++;
        break;
      case 'failed':
        this.failed++;
        // A failed row may still have been billed (e.g. a truncated answer rejected as malformed).
        this.tokens.input += input;
        this.tokens.output += output;
        this.errors.add(outcome.error ?? 'unknown error', outcome.index);
        break;
    }
  };

  /** Stops the wall-time clock (the first call wins). */
  onEnd = (): void => {
    if (this.endedAt === undefined) this.endedAt = this.now();
  };

  /** Counters so far. */
  snapshot(): RunSnapshot {
    const elapsedMs = this.elapsedMs();
    const done = this.done();
    return {
      total: this.total,
      done,
      sent: this.sent,
      cached: this.cached,
      skipped: this.skipped,
      failed: this.failed,
      requests: this.requests,
      retries: this.retries,
      rateLimited: this.rateLimited,
      concurrency: this.concurrency?.final,
      tokens: { ...this.tokens },
      ...(this.price !== undefined && { cost: costOf(this.price, this.tokens.input, this.tokens.output) }),
      elapsedMs,
      rowsPerSecond: perSecond(done, elapsedMs),
    };
  }

  /** The final report (call after onEnd; before it, durations run to now). */
  report(end: ReportEnd = {}): RunReport {
    const durationMs = Math.round(this.elapsedMs());
    const done = this.done();
    const report: RunReport = {
      llmapReport: 1,
      run: safeRunInfo(end.run ?? {}),
      startedAt: new Date(this.startedWall).toISOString(),
      finishedAt: new Date(this.startedWall + durationMs).toISOString(),
      durationMs,
      rows: { total: done, sent: this.sent, cached: this.cached, skipped: this.skipped, failed: this.failed },
      requests: this.requests,
      retries: this.retries,
      ...(this.typed && { schemaRetries: this.schemaRetries }),
      rateLimited: this.rateLimited,
      requestsPerMinute: Math.round(perSecond(this.requests, durationMs) * 60 * 10) / 10,
      concurrency: this.concurrency && { ...this.concurrency },
      tokens: { ...this.tokens },
      latencyMs: this.latency.summary(),
      rowsPerSecond: Math.round(perSecond(done, durationMs) * 10) / 10,
      errors: this.errors.top(TOP_ERRORS),
      exitCode: end.exitCode ?? 0,
      series: this.series.report(this.startedAt + durationMs),
    };
    const price: (Price & { source?: string }) | undefined = end.price ?? this.price;
    if (price !== undefined) {
      report.cost = costOf(price, this.tokens.input, this.tokens.output);
      report.price = { input: price.input, output: price.output };
      if (price.source !== undefined) report.price.source = price.source;
    }
    if (end.stopped !== undefined) report.stopped = end.stopped;
    return report;
  }

  private done(): number {
    return this.sent + this.cached + this.skipped + this.failed;
  }

  private elapsedMs(): number {
    return Math.max(0, (this.endedAt ?? this.now()) - this.startedAt);
  }
}

function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}
