/**
 * Latency percentiles in constant memory. hdr-histogram-js (pure JS, no native build) keeps
 * log-linear buckets, so a million rows cost the same few KB as a hundred.
 */
// The one histogram class, not the package index: the index also compiles the WebAssembly build
// and the log codecs, about 0.25 s of every run's start-up for nothing we use.
import type { Histogram } from 'hdr-histogram-js';
import float64Module from 'hdr-histogram-js/dist/Float64Histogram.js';

type HistogramClass = new (lowestDiscernibleValue: number, highestTrackableValue: number, significantDigits: number) => Histogram;
// A transpiled CommonJS module seen from ESM: the class is on `.default` of the module object.
const moduleObject = float64Module as unknown as { default?: HistogramClass };
const Float64Histogram = (moduleObject.default ?? (float64Module as unknown)) as HistogramClass;

/** Percentiles of the wall time of sent rows, in ms. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Records latencies (ms) and reports percentiles within 0.1%. */
export class LatencyHistogram {
  // Microsecond units: the histogram stores integers and sub-ms latencies (cache-speed local servers) still matter.
  private readonly histogram = autoResizing(new Float64Histogram(1, 3_600_000_000, 3));
  private count = 0;
  private sum = 0;
  private max = 0;
  // Repeats of one value are recorded at once: a fast local server answers many calls in the same
  // microsecond, and one histogram update costs about 0.1 µs.
  private repeated = 0;
  private repeats = 0;

  /** Adds one latency in ms (negative values, from a clock going backwards, count as 0). */
  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const micros = Math.round(value * 1000);
    if (micros !== this.repeated) {
      this.flush();
      this.repeated = micros;
    }
    this.repeats++;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  private flush(): void {
    if (this.repeats > 0) this.histogram.recordValueWithCount(this.repeated, this.repeats);
    this.repeats = 0;
  }

  /** The summary, or null when nothing was recorded. Max and mean are exact. */
  summary(): LatencySummary | null {
    if (this.count === 0) return null;
    this.flush();
    const at = (p: number) => round1(this.histogram.getValueAtPercentile(p) / 1000);
    return {
      p50: at(50),
      p95: at(95),
      p99: at(99),
      max: round1(this.max),
      mean: round1(this.sum / this.count),
    };
  }

  /** Bytes held by the buckets (for tests that pin the memory bound). */
  get footprintBytes(): number {
    this.flush();
    return this.histogram.estimatedFootprintInBytes;
  }
}

function autoResizing<T extends { autoResize: boolean }>(histogram: T): T {
  histogram.autoResize = true;
  return histogram;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
