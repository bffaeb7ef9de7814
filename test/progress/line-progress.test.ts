import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/progress/progress.js';
import { RunStats } from '../../src/report/run-stats.js';
import { outcome } from '../report/outcomes.js';

function feed(stats: RunStats, sent: number, cached: number, failed: number) {
  stats.onRowDone(outcome({ status: 'sent', latencyMs: 5, usage: { inputTokens: 12_345, outputTokens: 3_456 } }));
  for (let i = 1; i < sent; i++) stats.onRowDone(outcome({ status: 'sent', latencyMs: 5 }));
  for (let i = 0; i < cached; i++) stats.onRowDone(outcome({ status: 'cached' }));
  for (let i = 0; i < failed; i++) stats.onRowDone(outcome({ status: 'failed', error: 'boom' }));
}

function read(stream: PassThrough): string {
  return (stream.read() as Buffer | null)?.toString() ?? '';
}

describe('progress when stderr is not a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints one plain line per interval and nothing before the first', () => {
    const stream = new PassThrough();
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream, stats, total: 5000, now: Date.now });
    stats.onConcurrency(12);
    for (let i = 0; i < 900; i++) stats.onRequest(i);
    feed(stats, 898, 300, 2);

    vi.advanceTimersByTime(4999);
    expect(read(stream)).toBe('');
    vi.advanceTimersByTime(1);
    expect(read(stream)).toBe(
      'llmap: 1,200/5,000 rows (24%) 240 rows/s, ETA 16s · 300 cached · 2 failed · tokens 12,345/3,456 · 10,800 req/min · concurrency 12\n',
    );

    stats.onConcurrency(6);
    vi.advanceTimersByTime(5000); // a stalled run still prints; its rates fall as the window moves on
    expect(read(stream)).toBe(
      'llmap: 1,200/5,000 rows (24%) 120 rows/s, ETA 32s · 300 cached · 2 failed · tokens 12,345/3,456 · 5,400 req/min · concurrency 6\n',
    );

    progress.stop();
    vi.advanceTimersByTime(60_000);
    expect(read(stream)).toBe('');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shows a count without percent or ETA until the total is known, then uses it', () => {
    const stream = new PassThrough();
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream, stats, isTTY: false, intervalMs: 1000, label: 'job', now: Date.now });
    feed(stats, 3, 0, 0);
    vi.advanceTimersByTime(1000);
    expect(read(stream)).toBe('job: 3 rows 3.0 rows/s · 0 cached · 0 failed · tokens 12,345/3,456\n');

    progress.onTotal!(10);
    vi.advanceTimersByTime(1000);
    expect(read(stream)).toBe('job: 3/10 rows (30%) 1.5 rows/s, ETA 5s · 0 cached · 0 failed · tokens 12,345/3,456\n');
    progress.onEnd!();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("adds what every row waits for while a server's retry-after holds them", () => {
    const stream = new PassThrough();
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream, stats, isTTY: false, intervalMs: 1000, total: 10, now: Date.now });
    progress.onHold!({ waitingFor: "the server's retry-after (429)", ms: 2_500 });
    vi.advanceTimersByTime(1000);
    expect(read(stream)).toBe("llmap: 0/10 rows (0%) 0.0 rows/s · 0 cached · 0 failed · tokens 0/0 · waiting 2s for the server's retry-after (429)\n");
    vi.advanceTimersByTime(2000);
    // Half a second left at 2 s (shown rounded up), none at 3 s.
    expect(read(stream)).toBe(
      "llmap: 0/10 rows (0%) 0.0 rows/s · 0 cached · 0 failed · tokens 0/0 · waiting 1s for the server's retry-after (429)\n" +
        'llmap: 0/10 rows (0%) 0.0 rows/s · 0 cached · 0 failed · tokens 0/0\n',
    );
    progress.stop();
  });
});
