/**
 * What a run did over time, in bounded memory: one point per interval (a second to start with), and
 * when a long run has made MAX_POINTS of them, pairs of neighbours are merged and the interval
 * doubles. A 10-hour run ends with at most MAX_POINTS points of 64 s, about 100 KB of JSON. The HTML
 * report draws its charts from these series.
 */
import type { RowStatus } from '../engine/events.js';

/** The per-interval series of a run, as written in the JSON report under `series`. */
export interface RunSeriesReport {
  /** Width of every point in ms (1000, doubled each time a long run's points are merged). */
  intervalMs: number;
  /** End of each point in seconds since the start (the last one ends at the end of the run). */
  t: number[];
  /** Rows that ended in each interval, by outcome. */
  sent: number[];
  cached: number[];
  skipped: number[];
  failed: number[];
  /** Requests sent in each interval (every attempt), and those answered 429 / 5xx. */
  requests: number[];
  rateLimited: number[];
  serverErrors: number[];
  /** The adaptive concurrency limit at the end of each interval (null before the engine started). */
  concurrency: Array<number | null>;
  /** Latency percentiles in ms of the rows sent in each interval (null when none was). */
  latencyP50: Array<number | null>;
  latencyP95: Array<number | null>;
  /** Input and output tokens spent in each interval (cached rows spend none). */
  inputTokens: number[];
  outputTokens: number[];
  /** Every sent row's latency counted in bins: `counts[i]` latencies were at most `upperMs[i]` and above the bin before. */
  latencyHistogram: { upperMs: number[]; counts: number[] };
}

/** Points kept at most; even, so that merging pairs leaves no point alone. */
export const MAX_POINTS = 1000;
// Latencies kept per point to take its percentiles from: a uniform sample beyond this many.
const SAMPLE_SIZE = 1024;
// Histogram bins: four per doubling from 1 ms to about 10 minutes.
const BIN_FIRST_MS = 1;
const BINS_PER_DOUBLING = 4;
const BIN_COUNT = 78;

type CountName = 'sent' | 'cached' | 'skipped' | 'failed' | 'requests' | 'rateLimited' | 'serverErrors' | 'inputTokens' | 'outputTokens';
const COUNT_NAMES: CountName[] = ['sent', 'cached', 'skipped', 'failed', 'requests', 'rateLimited', 'serverErrors', 'inputTokens', 'outputTokens'];

interface Point {
  counts: Record<CountName, number>;
  concurrency: number | null;
  p50: number | null;
  p95: number | null;
  /** Latencies the percentiles stand for (weights of a merge). */
  latencyCount: number;
}

/** Collects a run's series; every method takes the monotonic time of the event in ms. */
export class RunSeries {
  private intervalMs = 1000;
  private readonly closed: Point[] = [];
  private live: Point = emptyPoint(null);
  private liveEnd: number;
  private sample: number[] = [];
  private seen = 0;
  private readonly bins = new Array<number>(BIN_COUNT).fill(0);

  constructor(private readonly startMs: number) {
    this.liveEnd = startMs + this.intervalMs;
  }

  /** Adds `n` to a count of the interval holding `at`. */
  count(at: number, name: CountName, n = 1): void {
    this.pointAt(at).counts[name] += n;
  }

  /** The concurrency limit changed to `limit`. */
  concurrency(at: number, limit: number): void {
    this.pointAt(at).concurrency = limit;
  }

  /** A row ended: its outcome, tokens and (when sent) latency. */
  row(at: number, status: RowStatus, inputTokens: number, outputTokens: number, latencyMs: number | undefined): void {
    const point = this.pointAt(at);
    point.counts[status]++;
    if (status === 'cached') return;
    point.counts.inputTokens += inputTokens;
    point.counts.outputTokens += outputTokens;
    if (status !== 'sent' || latencyMs === undefined) return;
    this.bins[binOf(latencyMs)]++;
    // Reservoir sampling: each latency of the interval is kept with the same chance.
    this.seen++;
    if (this.sample.length < SAMPLE_SIZE) this.sample.push(latencyMs);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < SAMPLE_SIZE) this.sample[j] = latencyMs;
    }
  }

  /** The series up to `endMs` (the end of the run). */
  report(endMs: number): RunSeriesReport {
    this.pointAt(endMs);
    const points = [...this.closed, { ...this.live, ...percentiles(this.sample), latencyCount: this.seen }];
    // An interval that started exactly at the end holds nothing.
    if (points.length > 1 && endMs <= this.liveEnd - this.intervalMs) points.pop();
    const elapsed = Math.max(0, endMs - this.startMs);
    const out: RunSeriesReport = {
      intervalMs: this.intervalMs,
      t: points.map((_, i) => round3(Math.min((i + 1) * this.intervalMs, elapsed) / 1000)),
      sent: [], cached: [], skipped: [], failed: [], requests: [], rateLimited: [], serverErrors: [],
      concurrency: points.map((p) => p.concurrency),
      latencyP50: points.map((p) => p.p50),
      latencyP95: points.map((p) => p.p95),
      inputTokens: [], outputTokens: [],
      latencyHistogram: histogram(this.bins),
    };
    for (const name of COUNT_NAMES) out[name] = points.map((p) => p.counts[name]);
    return out;
  }

  /** The live point after moving it forward to the interval holding `at`. */
  private pointAt(at: number): Point {
    while (at >= this.liveEnd) {
      this.closed.push({ ...this.live, ...percentiles(this.sample), latencyCount: this.seen });
      this.live = emptyPoint(this.live.concurrency);
      this.sample = [];
      this.seen = 0;
      if (this.closed.length >= MAX_POINTS) this.mergePairs();
      this.liveEnd = this.startMs + (this.closed.length + 1) * this.intervalMs;
    }
    return this.live;
  }

  private mergePairs(): void {
    const merged: Point[] = [];
    for (let i = 0; i < this.closed.length; i += 2) merged.push(mergeTwo(this.closed[i], this.closed[i + 1]));
    this.closed.length = 0;
    this.closed.push(...merged);
    this.intervalMs *= 2;
  }
}

function emptyPoint(concurrency: number | null): Point {
  const counts = {} as Record<CountName, number>;
  for (const name of COUNT_NAMES) counts[name] = 0;
  return { counts, concurrency, p50: null, p95: null, latencyCount: 0 };
}

/**
 * Two neighbouring points as one. Counts add up and the limit is the later one's; the latencies
 * themselves are gone by now, so the p50 becomes the mean of the two weighted by their row counts
 * and the p95 the higher of the two (a merged point never hides a slow interval).
 */
function mergeTwo(a: Point, b: Point): Point {
  const counts = {} as Record<CountName, number>;
  for (const name of COUNT_NAMES) counts[name] = a.counts[name] + b.counts[name];
  const n = a.latencyCount + b.latencyCount;
  const p50 = n === 0 ? null : round1(((a.p50 ?? 0) * a.latencyCount + (b.p50 ?? 0) * b.latencyCount) / n);
  const p95 = a.p95 === null ? b.p95 : b.p95 === null ? a.p95 : Math.max(a.p95, b.p95);
  return { counts, concurrency: b.concurrency ?? a.concurrency, p50, p95, latencyCount: n };
}

function percentiles(sample: number[]): { p50: number | null; p95: number | null } {
  if (sample.length === 0) return { p50: null, p95: null };
  const sorted = [...sample].sort((x, y) => x - y);
  // Nearest rank, as HdrHistogram reports percentiles in the summary.
  const at = (p: number) => round1(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]);
  return { p50: at(50), p95: at(95) };
}

function binOf(ms: number): number {
  if (!(ms > BIN_FIRST_MS)) return 0;
  return Math.min(BIN_COUNT - 1, Math.ceil(Math.log2(ms / BIN_FIRST_MS) * BINS_PER_DOUBLING));
}

/** The bins from the first to the last non-empty one. */
function histogram(bins: number[]): { upperMs: number[]; counts: number[] } {
  const first = bins.findIndex((c) => c > 0);
  if (first < 0) return { upperMs: [], counts: [] };
  let last = bins.length - 1;
  while (bins[last] === 0) last--;
  const upperMs: number[] = [];
  for (let i = first; i <= last; i++) upperMs.push(round1(BIN_FIRST_MS * 2 ** (i / BINS_PER_DOUBLING)));
  return { upperMs, counts: bins.slice(first, last + 1) };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
