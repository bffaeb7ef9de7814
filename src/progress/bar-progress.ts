import type { RunStats } from '../report/run-stats.js';
import type { Progress } from './progress.js';
import { layoutProgress } from './progress-layout.js';
import { ProgressBlock } from './progress-block.js';
import { RateMeter } from './rate-meter.js';
import { WaitNotice } from './wait-notice.js';

/** Settings of the terminal bar. */
export interface BarProgressSettings {
  stream: NodeJS.WritableStream & { columns?: number };
  stats: RunStats;
  total: number | undefined;
  label: string;
  now: () => number;
}

const RATE_WINDOW_MS = 10_000;
// A terminal that does not say its width (some CI "TTYs") is taken to be the common 80 columns,
// as cli-progress takes it.
const DEFAULT_COLUMNS = 80;

/**
 * The bar and the run's counters, drawn by cli-progress from the stats ten times a second and at
 * once when the terminal is resized. Rows never touch the display: at 20,000 rows/s a per-row
 * redraw would cost more than the rows.
 */
export function createBarProgress(s: BarProgressSettings): Progress {
  let total = s.total;
  const start = s.stats.snapshot();
  const meter = new RateMeter(RATE_WINDOW_MS, s.now(), start.done);
  const requestMeter = new RateMeter(RATE_WINDOW_MS, s.now(), start.requests);
  const wait = new WaitNotice(s.now);

  const picture = (): string[] => {
    const snap = s.stats.snapshot();
    const at = s.now();
    const rates = { rowsPerSecond: meter.sample(at, snap.done), requestsPerMinute: requestMeter.sample(at, snap.requests) * 60 };
    // One column spare: a line reaching the last column leaves some terminals waiting to wrap.
    const width = Math.max(1, (s.stream.columns || DEFAULT_COLUMNS) - 1);
    return layoutProgress({ label: s.label, snap, total: total ?? snap.total, rates, waiting: wait.current() }, width);
  };

  let block: ProgressBlock | undefined = new ProgressBlock(s.stream, picture);
  // Node emits 'resize' on a TTY stream when the terminal's size changes (SIGWINCH).
  const redraw = (): void => block?.redraw();
  s.stream.on('resize', redraw);

  const stop = (): void => {
    if (!block) return;
    s.stream.off('resize', redraw);
    block.stop();
    block = undefined;
  };
  return {
    print: (text) => {
      if (!block) return void s.stream.write(text);
      // cli-progress's own log() erases only the first of the lines, so a message longer than
      // the terminal is wide would leave pieces of the old lines beside its second row: the
      // display is erased, the message written, and a new display drawn below it.
      block.stop();
      s.stream.write(text);
      block = new ProgressBlock(s.stream, picture);
    },
    onTotal: (t) => {
      if (t !== undefined) total = t;
    },
    onHold: wait.onHold,
    onEnd: stop,
    stop,
  };
}
