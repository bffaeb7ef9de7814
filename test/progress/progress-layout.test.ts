import { describe, expect, it } from 'vitest';
import { layoutProgress, type ProgressView } from '../../src/progress/progress-layout.js';
import type { RunSnapshot } from '../../src/report/run-stats.js';

const snap: RunSnapshot = {
  total: 40_000,
  done: 12_000,
  sent: 9_000,
  cached: 2_950,
  skipped: 0,
  failed: 50,
  requests: 9_400,
  retries: 400,
  rateLimited: 312,
  concurrency: 48,
  tokens: { input: 1_234_567, output: 345_678, cachedInput: 0, cachedOutput: 0 },
  cost: 0.3929,
  elapsedMs: 300_000,
  rowsPerSecond: 40,
};
const view: ProgressView = { label: 'llmap', snap, total: 40_000, rates: { rowsPerSecond: 37.4, requestsPerMinute: 2_310 } };
const every = [
  '12,000/40,000 rows', '(30%)', '37 rows/s', 'ETA 12m 29s', '2,950 cached', '50 failed', 'tokens 1,234,567/345,678',
  '$0.3929', '2,310 req/min', 'concurrency 48', '312 × 429',
];

describe('progress layout', () => {
  it('keeps the bar and all but the 429s and the tokens at 80 columns, everything at 120', () => {
    expect(layoutProgress(view, 79)).toEqual([
      `llmap ${'\u2588'.repeat(7)}${'\u2591'.repeat(15)} 12,000/40,000 rows (30%) · 37 rows/s · ETA 12m 29s`,
      '  2,950 cached · 50 failed · $0.3929 · 2,310 req/min · concurrency 48',
    ]);
    expect(layoutProgress(view, 119)[1]).toBe(
      '  2,950 cached · 50 failed · tokens 1,234,567/345,678 · $0.3929 · 2,310 req/min · concurrency 48 · 312 × 429',
    );
  });

  it.each([20, 40, 59, 79, 99, 119, 159])('at %i columns: no line longer, no field cut, the most important fields first', (width) => {
    const lines = layoutProgress({ ...view, waiting: { what: "the server's retry-after (429)", leftMs: 12_000 } }, width);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
    const text = lines.join('\n');
    // A field is shown whole or not at all: strip the whole ones and only separators, the bar and the label remain.
    let rest = text;
    for (const field of every) rest = rest.replace(field, '');
    rest = rest.replace(/waiting 12s( for the server's retry-after \(429\)(; every row is held)?)?/, '');
    expect(rest).toMatch(/^[\sllmap·\u2588\u2591]*$/u);
    expect(text).toContain('12,000/40,000 rows');
    if (width >= 40) expect(text).toContain('50 failed');
    if (width >= 79) {
      expect(lines[0]).toMatch(/^llmap [\u2588\u2591]{10,40} 12,000\/40,000 rows \(30%\) · 37 rows\/s · ETA 12m 29s$/u);
      expect(text).toContain('concurrency 48');
      expect(text).toContain('$0.3929');
    }
    if (width >= 119) for (const field of every) expect(text).toContain(field);
  });
});
