import type { RunStats } from '../report/run-stats.js';
import type { Progress } from './progress.js';
import { formatProgressText } from './progress-line.js';
import { formatEta } from '../report/format-units.js';
import { RateMeter } from './rate-meter.js';
import { WaitNotice } from './wait-notice.js';

/** Settings of the plain-line display. */
export interface LineProgressSettings {
  stream: NodeJS.WritableStream;
  stats: RunStats;
  total: number | undefined;
  label: string;
  now: () => number;
  intervalMs: number;
}

/** One plain status line every `intervalMs` (for logs and CI, where redrawing a line makes a mess). */
export function createLineProgress(s: LineProgressSettings): Progress {
  let total = s.total;
  // A window of a few intervals smooths the rate without hiding a slowdown for long.
  const start = s.stats.snapshot();
  const meter = new RateMeter(s.intervalMs * 3, s.now(), start.done);
  const requestMeter = new RateMeter(s.intervalMs * 3, s.now(), start.requests);
  const wait = new WaitNotice(s.now);
  const timer = setInterval(() => {
    const snap = s.stats.snapshot();
    const at = s.now();
    const rate = { rowsPerSecond: meter.sample(at, snap.done), requestsPerMinute: requestMeter.sample(at, snap.requests) * 60 };
    const held = wait.current();
    const waiting = held ? ` · waiting ${formatEta(held.leftMs / 1000)} for ${held.what}` : '';
    s.stream.write(`${s.label}: ${formatProgressText(snap, total ?? snap.total, rate)}${waiting}\n`);
  }, s.intervalMs);
  // The display must never keep a finished process alive.
  timer.unref();
  const stop = (): void => clearInterval(timer);
  return {
    onTotal: (t) => {
      if (t !== undefined) total = t;
    },
    onHold: wait.onHold,
    onEnd: stop,
    stop,
  };
}
