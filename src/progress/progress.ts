/** Progress display: a redrawn bar on a terminal, a plain line every few seconds otherwise. */
import { performance } from 'node:perf_hooks';
import type { RunObserver } from '../engine/events.js';
import type { RunStats } from '../report/run-stats.js';
import { createLineProgress } from './line-progress.js';
import { createBarProgress } from './bar-progress.js';

/** An observer that draws progress; `stop()` ends the display so the summary prints on a clean line. */
export type Progress = RunObserver & {
  /** Ends the display (idempotent). onEnd does the same. */
  stop(): void;
  /** Writes `text` (whole lines) above the display, which is redrawn below it; absent when the display does not redraw. */
  print?(text: string): void;
};

/** Where and how to draw. */
export interface ProgressOptions {
  /** Usually process.stderr. */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** The stats the engine feeds; progress only reads them, so feed the same instance to the engine. */
  stats: RunStats;
  /** Input rows, when known up front (onTotal may set it later). */
  total?: number;
  /** Draw a bar (default: stream.isTTY). */
  isTTY?: boolean;
  /** Interval of the plain lines when not a TTY, in ms (default 5000). */
  intervalMs?: number;
  /** Prefix of each line (default 'llmap'). */
  label?: string;
  /** Monotonic ms clock (default performance.now). */
  now?: () => number;
}

/** Starts the progress display for a run (a bar at once on a TTY; the first plain line after one interval). */
export function createProgress(opts: ProgressOptions): Progress {
  const settings = {
    stream: opts.stream,
    stats: opts.stats,
    total: opts.total,
    label: opts.label ?? 'llmap',
    now: opts.now ?? (() => performance.now()),
  };
  const isTTY = opts.isTTY ?? opts.stream.isTTY === true;
  return isTTY ? createBarProgress(settings) : createLineProgress({ ...settings, intervalMs: opts.intervalMs ?? 5000 });
}
