import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { RunStats } from '../../src/report/run-stats.js';
import { outcome } from './outcomes.js';

function clock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('RunStats', () => {
  it('counts rows, requests, retries, tokens and errors of a known run', () => {
    const c = clock();
    const stats = new RunStats({ now: c.now, wallClock: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
    stats.onTotal(6);
    for (let i = 0; i < 5; i++) stats.onRequest(i);
    for (const limit of [8, 9, 4, 2, 3]) stats.onConcurrency(limit);
    stats.onRateLimited(1);
    stats.onRetry({ index: 1, attempt: 1, delayMs: 100, error: new ProviderError('rate_limit', 'rate limited (429)') });
    stats.onRowDone(outcome({ index: 0, status: 'sent', latencyMs: 100, usage: { inputTokens: 10, outputTokens: 3 } }));
    stats.onRowDone(outcome({ index: 1, status: 'sent', latencyMs: 300, usage: { inputTokens: 20, outputTokens: 4 } }));
    stats.onRowDone(outcome({ index: 2, status: 'cached', usage: { inputTokens: 7, outputTokens: 2 } }));
    stats.onRowDone(outcome({ index: 3, status: 'skipped' }));
    stats.onRowDone(outcome({ index: 4, status: 'failed', error: 'bad request (400): context too long' }));
    stats.onRowDone(outcome({ index: 5, status: 'failed', error: 'bad request (400): context too long' }));
    c.advance(2000);
    stats.onEnd();
    c.advance(5000); // time after the end is not counted

    expect(stats.snapshot()).toEqual({
      total: 6,
      done: 6,
      sent: 2,
      cached: 1,
      skipped: 1,
      failed: 2,
      requests: 5,
      retries: 1,
      rateLimited: 1,
      concurrency: 3,
      tokens: { input: 30, output: 7, cachedInput: 7, cachedOutput: 2 },
      elapsedMs: 2000,
      rowsPerSecond: 3,
    });
    expect(
      stats.report({
        exitCode: 1,
        stopped: 'interrupted',
        run: { provider: 'openai', model: 'gpt-4o-mini', input: 'in.csv', apiKey: 'sk-secret', output: 'out.csv' },
      }),
    ).toEqual({
      llmapReport: 1,
      run: { provider: 'openai', model: 'gpt-4o-mini', input: 'in.csv', output: 'out.csv' },
      startedAt: '2025-01-02T03:04:05.000Z',
      finishedAt: '2025-01-02T03:04:07.000Z',
      durationMs: 2000,
      rows: { total: 6, sent: 2, cached: 1, skipped: 1, failed: 2 },
      requests: 5,
      retries: 1,
      rateLimited: 1,
      requestsPerMinute: 150,
      concurrency: { max: 9, final: 3, min: 2 },
      tokens: { input: 30, output: 7, cachedInput: 7, cachedOutput: 2 },
      latencyMs: { p50: 100, p95: 300, p99: 300, max: 300, mean: 200 },
      rowsPerSecond: 3,
      errors: [{ message: 'bad request (400): context too long', count: 2, rows: [5, 6] }],
      exitCode: 1,
      stopped: 'interrupted',
      series: {
        intervalMs: 1000,
        t: [1, 2],
        sent: [2, 0],
        cached: [1, 0],
        skipped: [1, 0],
        failed: [2, 0],
        requests: [5, 0],
        rateLimited: [1, 0],
        serverErrors: [0, 0],
        concurrency: [3, 3],
        latencyP50: [100, null],
        latencyP95: [300, null],
        inputTokens: [30, 0],
        outputTokens: [7, 0],
        latencyHistogram: { upperMs: [107.6, 128, 152.2, 181, 215.3, 256, 304.4], counts: [1, 0, 0, 0, 0, 0, 1] },
      },
    });
  });

  it('reports null latency and 0 rows/s when nothing was sent', () => {
    const c = clock();
    const stats = new RunStats({ now: c.now });
    stats.onRowDone(outcome({ status: 'cached' }));
    stats.onEnd();
    const report = stats.report();
    expect(report.latencyMs).toBeNull();
    expect(report.rowsPerSecond).toBe(0);
    expect(report.concurrency).toBeNull();
    expect(report.requestsPerMinute).toBe(0);
    expect(report.exitCode).toBe(0);
    expect('stopped' in report).toBe(false);
  });

  it('measures wall time from start() rather than construction', () => {
    const c = clock();
    const stats = new RunStats({ now: c.now });
    c.advance(10_000);
    stats.start();
    c.advance(500);
    stats.onEnd();
    expect(stats.report().durationMs).toBe(500);
  });

  it('computes percentiles of 1..100 ms exactly', () => {
    const stats = new RunStats({ now: clock().now });
    for (let ms = 100; ms >= 1; ms--) stats.onRowDone(outcome({ status: 'sent', latencyMs: ms }));
    expect(stats.report().latencyMs).toEqual({ p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('keeps percentiles within 2% over a million rows', () => {
    const stats = new RunStats({ now: clock().now });
    // A known spread: 1.000 ms .. 1000.999 ms, uniform; and one slow outlier.
    const row = outcome({ status: 'sent', latencyMs: 0 });
    for (let i = 0; i < 1_000_000; i++) {
      row.latencyMs = 1 + (i % 1000) + (i % 997) / 1000;
      stats.onRowDone(row);
    }
    row.latencyMs = 60_000;
    stats.onRowDone(row);
    const latency = stats.report().latencyMs!;
    expect(Math.abs(latency.p50 - 500.5) / 500.5).toBeLessThan(0.02);
    expect(Math.abs(latency.p95 - 950.5) / 950.5).toBeLessThan(0.02);
    expect(Math.abs(latency.p99 - 990.5) / 990.5).toBeLessThan(0.02);
    expect(latency.max).toBe(60_000);
  });

  it('keeps the 5 most frequent error kinds, most frequent first', () => {
    const stats = new RunStats({ now: clock().now });
    const counts: Record<string, number> = { a: 1, b: 6, c: 3, d: 3, e: 2, f: 5, g: 1 };
    for (const [message, n] of Object.entries(counts)) {
      for (let i = 0; i < n; i++) stats.onRowDone(outcome({ status: 'failed', error: message }));
    }
    expect(stats.report().errors.map(({ message, count }) => ({ message, count }))).toEqual([
      { message: 'b', count: 6 },
      { message: 'f', count: 5 },
      { message: 'c', count: 3 },
      { message: 'd', count: 3 },
      { message: 'e', count: 2 },
    ]);
  });

  it('works as unbound callbacks (the engine may pass them around)', () => {
    const stats = new RunStats({ now: clock().now });
    const { onRowDone, onRequest } = stats;
    onRequest!(0);
    onRowDone!(outcome({ status: 'skipped' }));
    expect(stats.snapshot()).toMatchObject({ requests: 1, skipped: 1, done: 1 });
  });
});
