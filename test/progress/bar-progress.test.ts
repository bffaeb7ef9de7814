import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/progress/progress.js';
import { combineObservers } from '../../src/report/combine-observers.js';
import { RunStats } from '../../src/report/run-stats.js';
import { outcome } from '../report/outcomes.js';

/** A stand-in for a terminal's stderr that records what is written. */
function fakeTTY(columns = 200) {
  const writes: string[] = [];
  return {
    isTTY: true,
    columns,
    writes,
    write(chunk: string | Uint8Array) {
      writes.push(String(chunk));
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => undefined,
    once: () => undefined,
    removeListener: () => undefined,
  };
}

const asStream = (tty: ReturnType<typeof fakeTTY>) => tty as unknown as NodeJS.WriteStream;
const drawn = (tty: ReturnType<typeof fakeTTY>) => tty.writes.filter((w) => w.startsWith('llmap '));

describe('progress bar on a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('redraws about ten times a second however fast rows arrive, then clears its line', () => {
    const tty = fakeTTY();
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, total: 10_000, now: Date.now });
    const observer = combineObservers(stats, progress);

    const row = outcome({ status: 'sent', latencyMs: 1, usage: { inputTokens: 2, outputTokens: 1 } });
    for (let ms = 0; ms < 1000; ms += 10) {
      for (let i = 0; i < 100; i++) observer.onRowDone!(row);
      vi.advanceTimersByTime(10);
    }
    const lines = drawn(tty);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines[0]).toBe(`llmap ${'-'.repeat(20)} 0/10,000 rows (0%) 0.0 rows/s · 0 cached · 0 failed · tokens 0/0`);

    observer.onEnd!();
    const last = drawn(tty).at(-1)!;
    expect(last).toBe(
      `llmap ${'='.repeat(20)} 10,000/10,000 rows (100%) 10,000 rows/s, ETA 0s · 0 cached · 0 failed · tokens 20,000/10,000`,
    );
    // The line is cleared (CSI 2K) so the summary starts clean, and no timer is left behind.
    expect(tty.writes.at(-1)).toBe('\x1b[2K');
    expect(vi.getTimerCount()).toBe(0);
    progress.stop(); // idempotent
  });

  it('shows a plain count while the total is unknown and drops the bar on a narrow terminal', () => {
    const tty = fakeTTY(80);
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, now: Date.now });
    stats.onRowDone(outcome({ status: 'cached' }));
    vi.advanceTimersByTime(100);
    expect(drawn(tty).at(-1)).toBe('llmap 1 row 10 rows/s · 1 cached · 0 failed · tokens 0/0');

    progress.onTotal!(4);
    vi.advanceTimersByTime(100);
    expect(drawn(tty).at(-1)).toBe('llmap 1/4 rows (25%) 5.0 rows/s, ETA 1s · 1 cached · 0 failed · tokens 0/0');
    progress.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('progress bar on a very narrow terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves out the token counts before cli-progress cuts the line', () => {
    const tty = fakeTTY(60);
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, total: 4, now: Date.now });
    stats.onRowDone(outcome({ status: 'failed', error: 'boom' }));
    vi.advanceTimersByTime(100);
    expect(drawn(tty).at(-1)).toBe('llmap 1/4 rows (25%) 10 rows/s, ETA 1s · 0 cached · 1 failed');
    progress.stop();
  });
});
