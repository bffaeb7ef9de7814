import { describe, expect, it, vi } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { MAX_POINTS, RunSeries } from '../../src/report/run-series.js';
import { RunStats } from '../../src/report/run-stats.js';
import { outcome } from './outcomes.js';

describe('RunSeries', () => {
  it('puts each event in its second and carries the concurrency limit across quiet seconds', () => {
    const series = new RunSeries(500);
    series.concurrency(500, 8);
    series.count(600, 'requests');
    series.row(900, 'sent', 10, 2, 40);
    series.count(1600, 'requests');
    series.count(1700, 'rateLimited');
    series.concurrency(1700, 4);
    series.row(3400, 'cached', 10, 2, undefined); // 2.9 s after the start: the third second
    const r = series.report(3700);
    expect(r.t).toEqual([1, 2, 3, 3.2]);
    expect(r.requests).toEqual([1, 1, 0, 0]);
    expect(r.rateLimited).toEqual([0, 1, 0, 0]);
    expect(r.concurrency).toEqual([8, 4, 4, 4]);
    expect(r.sent).toEqual([1, 0, 0, 0]);
    expect(r.cached).toEqual([0, 0, 1, 0]);
    // Cached rows spend no tokens.
    expect(r.inputTokens).toEqual([10, 0, 0, 0]);
    expect(r.latencyP50).toEqual([40, null, null, null]);
  });

  it('stays bounded over a 10-hour run: pairs of points merge and the interval doubles', () => {
    const series = new RunSeries(0);
    const hours = 10;
    for (let s = 0; s < hours * 3600; s++) {
      series.count(s * 1000 + 10, 'requests', 5);
      series.row(s * 1000 + 20, 'sent', 3, 1, s % 2 === 0 ? 100 : 300);
    }
    const r = series.report(hours * 3600 * 1000);
    expect(r.t.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(r.intervalMs).toBe(64_000);
    expect(r.t.length).toBe(Math.ceil((hours * 3600) / 64));
    expect(r.t.at(-1)).toBe(hours * 3600);
    // Nothing is lost in merging: the counts add up to the run's.
    expect(r.requests.reduce((a, b) => a + b, 0)).toBe(5 * hours * 3600);
    expect(r.sent.reduce((a, b) => a + b, 0)).toBe(hours * 3600);
    // Merged percentiles: the p50 is the weighted mean of the merged ones, the p95 the highest.
    expect(r.latencyP50[0]).toBe(200);
    expect(r.latencyP95[0]).toBe(300);
    expect(JSON.stringify(r).length).toBeLessThan(120_000);
  });

  it('places an event at the time it carries when on the same clock (performance.now), else at its own clock', () => {
    const clock = vi.spyOn(performance, 'now').mockReturnValue(1000);
    try {
      const stats = new RunStats();
      // Read now, these would land in the first second; the times carried are in the second and third.
      stats.onRequest(0, 2500);
      stats.onRowDone(outcome({ status: 'sent', latencyMs: 5 }), 3500);
      clock.mockReturnValue(4200);
      stats.onEnd();
      const r = stats.report().series;
      expect(r.requests).toEqual([0, 1, 0, 0]);
      expect(r.sent).toEqual([0, 0, 1, 0]);
    } finally {
      clock.mockRestore();
    }

    // A RunStats on a clock of its own ignores them: they are not on its clock.
    const now = 10;
    const own = new RunStats({ now: () => now });
    own.onRequest(0, 1_000_000);
    own.onRowDone(outcome({ status: 'sent', latencyMs: 5 }), 1_000_000);
    own.onEnd();
    expect(own.report().series.requests).toEqual([1]);
    expect(own.report().series.sent).toEqual([1]);
  });

  it('counts 5xx answers from failed requests, not other failures', () => {
    let now = 0;
    const stats = new RunStats({ now: () => now });
    stats.onRequestFailed(0, new ProviderError('server', 'server error (500)', { status: 500 }));
    stats.onRequestFailed(1, new ProviderError('server', 'overloaded (529)', { status: 529 }));
    stats.onRequestFailed(2, new ProviderError('bad_request', 'bad request (400)', { status: 400 }));
    now = 1500;
    stats.onRequestFailed(3, new ProviderError('network', 'socket hang up'));
    stats.onRowDone(outcome({ status: 'sent', latencyMs: 5 }));
    stats.onEnd();
    expect(stats.report().series.serverErrors).toEqual([2, 0]);
  });
});
