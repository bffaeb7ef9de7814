import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/progress/progress.js';
import { combineObservers } from '../../src/report/combine-observers.js';
import { RunStats } from '../../src/report/run-stats.js';
import { outcome } from '../report/outcomes.js';

/** A stand-in for a terminal's stderr that records what is written and can be resized. */
class FakeTTY extends EventEmitter {
  isTTY = true;
  writes: string[] = [];
  constructor(public columns: number) {
    super();
  }
  write(chunk: string | Uint8Array): boolean {
    this.writes.push(String(chunk));
    return true;
  }
  /** The lines of the last picture drawn (the escape sequences that move the cursor and erase taken off). */
  lastPicture(): string[] {
    const last = [...this.writes].reverse().find((w) => w.replace(ESCAPES, '') !== '');
    return (last ?? '').replace(ESCAPES, '').split('\n');
  }
  resize(columns: number): void {
    this.columns = columns;
    this.emit('resize');
  }
}

// cli-progress's (ECMA-48): cursor up n, to column n, erase below the cursor, erase to the line's end.
const ESCAPES = /\x1b\[\d*[AGJK]|\r/g;

const asStream = (tty: FakeTTY) => tty as unknown as NodeJS.WriteStream;

describe('progress bar on a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('redraws about ten times a second however fast rows arrive, then erases itself', () => {
    const tty = new FakeTTY(100);
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, total: 10_000, now: Date.now });
    const observer = combineObservers(stats, progress);
    expect(tty.lastPicture()).toEqual([
      `llmap ${'\u2591'.repeat(40)} 0/10,000 rows (0%) · 0.0 rows/s`,
      '  0 cached · 0 failed · tokens 0/0',
    ]);

    const row = outcome({ status: 'sent', latencyMs: 1, usage: { inputTokens: 2, outputTokens: 1 } });
    for (let ms = 0; ms < 1000; ms += 10) {
      for (let i = 0; i < 100; i++) observer.onRowDone!(row);
      vi.advanceTimersByTime(10);
    }
    expect(tty.writes.length).toBeGreaterThanOrEqual(5);
    expect(tty.writes.length).toBeLessThanOrEqual(12);
    expect(tty.lastPicture()).toEqual([
      `llmap ${'\u2588'.repeat(40)} 10,000/10,000 rows (100%) · 10,000 rows/s · ETA 0s`,
      '  0 cached · 0 failed · tokens 20,000/10,000',
    ]);

    observer.onEnd!();
    // Back up one line to the first line of the picture and erase to the end of the screen.
    expect(tty.writes.at(-1)).toBe('\x1b[1A\x1b[1G\x1b[0J');
    expect(vi.getTimerCount()).toBe(0);
    expect(tty.listenerCount('resize')).toBe(0);
    progress.stop(); // idempotent
  });

  it('shows a count without a bar while the total is unknown, and the bar once it is', () => {
    const tty = new FakeTTY(80);
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, now: Date.now });
    stats.onRowDone(outcome({ status: 'cached' }));
    vi.advanceTimersByTime(100);
    expect(tty.lastPicture()).toEqual(['llmap 1 row · 10 rows/s', '  1 cached · 0 failed · tokens 0/0']);

    progress.onTotal!(4);
    vi.advanceTimersByTime(100);
    expect(tty.lastPicture()[0]).toBe(`llmap ${'\u2588'.repeat(9)}${'\u2591'.repeat(27)} 1/4 rows (25%) · 5.0 rows/s · ETA 1s`);
    progress.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('redraws at the new width as soon as the terminal is resized', () => {
    const tty = new FakeTTY(160);
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, total: 400, now: Date.now });
    stats.onConcurrency(8);
    vi.advanceTimersByTime(100);
    expect(tty.lastPicture()[1]).toBe('  0 cached · 0 failed · tokens 0/0 · 0 req/min · concurrency 8 · 0 × 429');

    tty.resize(50);
    const picture = tty.lastPicture();
    // The bar shrinks to the room left; the counters keep the most important fields, whole.
    expect(picture).toEqual([`llmap ${'\u2591'.repeat(14)} 0/400 rows (0%) · 0.0 rows/s`, '  0 cached · 0 failed · 0 req/min · concurrency 8']);
    for (const line of picture) expect(line.length).toBeLessThan(50);
    progress.stop();
  });

  it('prints a message above itself and draws itself again below it', () => {
    const tty = new FakeTTY(100);
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, total: 10, now: Date.now });
    tty.writes.length = 0;
    progress.print!('llmap: stopping: no new calls start\n');
    expect(tty.writes).toEqual([
      '\x1b[1A\x1b[1G\x1b[0J',
      'llmap: stopping: no new calls start\n',
      `\x1b[1G${tty.lastPicture().map((line) => `\x1b[1G${line}\x1b[0K`).join('\n')}`,
    ]);
    progress.stop();
    progress.print!('after\n');
    expect(tty.writes.at(-1)).toBe('after\n');
  });

  it("says what every row waits for during a server's retry-after", () => {
    const tty = new FakeTTY(100);
    const stats = new RunStats({ now: Date.now });
    const progress = createProgress({ stream: asStream(tty), stats, total: 10, now: Date.now });
    progress.onHold!({ waitingFor: "the server's retry-after (429)", ms: 20_000 });
    vi.advanceTimersByTime(100);
    expect(tty.lastPicture()[2]).toBe("  waiting 20s for the server's retry-after (429); every row is held");
    vi.advanceTimersByTime(15_000);
    expect(tty.lastPicture()[2]).toBe("  waiting 5s for the server's retry-after (429); every row is held");
    vi.advanceTimersByTime(5_000);
    expect(tty.lastPicture()).toHaveLength(2);
    progress.stop();
  });
});
