/**
 * Latency percentiles in constant memory. hdr-histogram-js (pure JS, no native build) keeps
 * log-linear buckets, so a million rows cost the same few KB as a hundred.
 */
import { build, type Histogram } from 'hdr-histogram-js';

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
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
  private count = 0;
  private sum = 0;
  private max = 0;

  /** Adds one latency in ms (negative values, from a clock going backwards, count as 0). */
  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.histogram.recordValue(Math.round(value * 1000));
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  /** The summary, or null when nothing was recorded. Max and mean are exact. */
  summary(): LatencySummary | null {
    if (this.count === 0) return null;
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
    return this.histogram.estimatedFootprintInBytes;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
