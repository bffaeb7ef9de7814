// The cost of a run as the progress line, the summary and the report show it.
import { describe, expect, it } from 'vitest';
import { formatProgressText } from '../../src/progress/progress-line.js';
import { formatSummary } from '../../src/report/run-report.js';
import { RunStats } from '../../src/report/run-stats.js';
import { outcome } from './outcomes.js';

function pricedStats(): RunStats {
  let t = 0;
  const stats = new RunStats({ now: () => (t += 500), wallClock: () => Date.UTC(2025, 0, 1), price: { input: 0.15, output: 0.6 } });
  stats.onRowDone(outcome({ status: 'sent', latencyMs: 10, usage: { inputTokens: 100_000, outputTokens: 20_000 } }));
  stats.onRowDone(outcome({ status: 'cached', usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } }));
  return stats;
}

describe('the cost so far', () => {
  it('is in the snapshot when the price is known, and only then', () => {
    expect(pricedStats().snapshot().cost).toBe(0.027);
    expect('cost' in new RunStats().snapshot()).toBe(false);
  });

  it('shows in the progress line after the tokens', () => {
    const text = formatProgressText(pricedStats().snapshot(), 10, { rowsPerSecond: 1, requestsPerMinute: 0 });
    expect(text).toBe('2/10 rows (20%) 1.0 rows/s, ETA 8s · 1 cached · 0 failed · tokens 100,000/20,000 · $0.0270');
  });

  it('the report states the price and its source; the summary says where it came from', () => {
    const report = pricedStats().report({ price: { input: 0.15, output: 0.6, source: 'built-in table (as of 2025-11-01)' } });
    expect(report.cost).toBe(0.027);
    expect(report.price).toEqual({ input: 0.15, output: 0.6, source: 'built-in table (as of 2025-11-01)' });
    expect(formatSummary(report).split('\n').slice(1, 3)).toEqual([
      '  requests 0 (0 retries) · tokens in 100,000 / out 20,000 · cost $0.0270 · saved by cache in 1,000,000 / out 1,000,000 · latency p50 10ms p95 10ms',
      '  price $0.15 in / $0.60 out per million tokens, from the built-in table (as of 2025-11-01)',
    ]);
  });

  it("without a price in report() the constructor's applies, with no source line", () => {
    const report = pricedStats().report();
    expect(report.price).toEqual({ input: 0.15, output: 0.6 });
    expect(formatSummary(report)).not.toContain('per million tokens');
  });
});
