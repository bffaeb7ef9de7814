import type { Progress } from './progress.js';

/** The progress display for -q: shows nothing. */
export function quietProgress(): Progress {
  return { stop: () => undefined };
}
