import cliProgress from 'cli-progress';
import type { RunStats } from '../report/run-stats.js';
import type { Progress } from './progress.js';
import { formatProgressText } from './progress-line.js';
import { RateMeter } from './rate-meter.js';

/** Settings of the terminal bar. */
export interface BarProgressSettings {
  stream: NodeJS.WritableStream;
  stats: RunStats;
  total: number | undefined;
  label: string;
  now: () => number;
}

const FPS = 10;
const BAR_SIZE = 20;
const RATE_WINDOW_MS = 10_000;

/**
 * A cli-progress bar redrawn from the stats by cli-progress's own timer (FPS times a second). Rows
 * never touch the bar: at 20,000 rows/s a per-row update would cost more than the rows.
 */
export function createBarProgress(s: BarProgressSettings): Progress {
  let total = s.total;
  const start = s.stats.snapshot();
  const meter = new RateMeter(RATE_WINDOW_MS, s.now(), start.done);
  const requestMeter = new RateMeter(RATE_WINDOW_MS, s.now(), start.requests);

  const format: cliProgress.GenericFormatter = (options, params) => {
    const snap = s.stats.snapshot();
    const known = total ?? snap.total;
    const at = s.now();
    const rate = { rowsPerSecond: meter.sample(at, snap.done), requestsPerMinute: requestMeter.sample(at, snap.requests) * 60 };
    const body = formatProgressText(snap, known, rate);
    // cli-progress cuts lines at the terminal width: drop the bar, then the tokens, before the counts get cut.
    if (known !== undefined) {
      const progress = known > 0 ? Math.min(1, snap.done / known) : 1;
      const withBar = `${s.label} ${cliProgress.Format.BarFormat(progress, options)} ${body}`;
      if (withBar.length <= params.maxWidth) return withBar;
    }
    const plain = `${s.label} ${body}`;
    return plain.length <= params.maxWidth ? plain : `${s.label} ${formatProgressText(snap, known, rate, true)}`;
  };

  const bar = new cliProgress.SingleBar({
    stream: s.stream,
    format,
    fps: FPS,
    barsize: BAR_SIZE,
    // Clearing leaves a clean line for the summary; keeping line wrap and the cursor untouched means
    // a crash cannot leave the terminal in a changed state.
    clearOnComplete: true,
    hideCursor: false,
    linewrap: true,
  });
  bar.start(total ?? 0, 0);

  const stop = (): void => bar.stop();
  return {
    onTotal: (t) => {
      if (t !== undefined) total = t;
    },
    onEnd: stop,
    stop,
  };
}
