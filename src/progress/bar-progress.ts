import type { RunStats } from '../report/run-stats.js';
import type { Progress } from './progress.js';
import { layoutProgress } from './progress-layout.js';
import { RateMeter } from './rate-meter.js';
import { TtyFrame } from './tty-frame.js';
import { WaitNotice } from './wait-notice.js';

/** Settings of the terminal bar. */
export interface BarProgressSettings {
  stream: NodeJS.WritableStream & { columns?: number };
  stats: RunStats;
  total: number | undefined;
  label: string;
  now: () => number;
}

const REDRAW_MS = 100;
const RATE_WINDOW_MS = 10_000;
// A terminal that does not say its width (some CI "TTYs") is taken to be the common 80 columns.
const DEFAULT_COLUMNS = 80;

/**
 * The bar and the run's counters, redrawn from the stats ten times a second and at once when the
 * terminal is resized. Rows never touch the display: at 20,000 rows/s a per-row redraw would cost
 * more than the rows.
 */
export function createBarProgress(s: BarProgressSettings): Progress {
  let total = s.total;
  const start = s.stats.snapshot();
  const meter = new RateMeter(RATE_WINDOW_MS, s.now(), start.done);
  const requestMeter = new RateMeter(RATE_WINDOW_MS, s.now(), start.requests);
  const wait = new WaitNotice(s.now);
  const frame = new TtyFrame(s.stream);
  let stopped = false;

  const redraw = (): void => {
    if (stopped) return;
    const snap = s.stats.snapshot();
    const at = s.now();
    const rates = { rowsPerSecond: meter.sample(at, snap.done), requestsPerMinute: requestMeter.sample(at, snap.requests) * 60 };
    // One column spare: a line reaching the last column leaves some terminals waiting to wrap.
    const width = Math.max(1, (s.stream.columns || DEFAULT_COLUMNS) - 1);
    frame.draw(layoutProgress({ label: s.label, snap, total: total ?? snap.total, rates, waiting: wait.current() }, width));
  };

  const timer = setInterval(redraw, REDRAW_MS);
  // The display must never keep a finished process alive.
  timer.unref();
  // Node emits 'resize' on a TTY stream when the terminal's size changes (SIGWINCH).
  s.stream.on('resize', redraw);
  redraw();

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    s.stream.off('resize', redraw);
    // Cleared so the summary starts on a clean line.
    frame.clear();
  };
  return {
    print: (text) => {
      if (stopped) return void s.stream.write(text);
      frame.clear();
      s.stream.write(text);
      redraw();
    },
    onTotal: (t) => {
      if (t !== undefined) total = t;
    },
    onHold: wait.onHold,
    onEnd: stop,
    stop,
  };
}
