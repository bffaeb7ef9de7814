import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/report/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('does not grow with the number of recorded latencies', () => {
    const h = new LatencyHistogram();
    for (let ms = 0; ms <= 120_000; ms += 100) h.record(ms);
    const footprint = h.footprintBytes;
    for (let i = 0; i < 1_000_000; i++) h.record((i * 7919) % 120_000);
    expect(h.footprintBytes).toBe(footprint);
    expect(footprint).toBeLessThan(512 * 1024);
  });

  it('resolves sub-millisecond latencies and treats negative ones as zero', () => {
    const h = new LatencyHistogram();
    h.record(0.25);
    h.record(-3);
    expect(h.summary()).toEqual({ p50: 0, p95: 0.3, p99: 0.3, max: 0.3, mean: 0.1 });
  });

  it('counts every repeat of a value, in runs and apart, and keeps recording after a summary', () => {
    const h = new LatencyHistogram();
    // 90 calls of 1 ms in runs, 10 of 50 ms among them: p50 is 1 ms, p95 and p99 are 50 ms.
    for (let i = 0; i < 100; i++) h.record(i % 10 === 9 ? 50 : 1);
    expect(h.summary()).toEqual({ p50: 1, p95: 50, p99: 50, max: 50, mean: 5.9 });
    for (let i = 0; i < 100; i++) h.record(200);
    expect(h.summary()).toEqual({ p50: 50, p95: 200.1, p99: 200.1, max: 200, mean: 103 });
  });

  it('summarises nothing as null', () => {
    expect(new LatencyHistogram().summary()).toBeNull();
  });
});
