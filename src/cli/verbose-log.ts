/**
 * --verbose: one stderr line per retry and per failed row. Messages come from ProviderError, which
 * never carries a key.
 */
import type { RunObserver } from '../engine/events.js';

/** An observer printing retries and row failures with `print` (stderr, above the progress display). */
export function verboseLog(print: (text: string) => void): RunObserver {
  return {
    onRetry(e) {
      const status = e.error.status === undefined ? e.error.kind : `${e.error.status}`;
      print(
        `llmap: row ${e.index + 1}: attempt ${e.attempt} failed (${status}: ${e.error.message}); retrying in ${(e.delayMs / 1000).toFixed(1)}s\n`,
      );
    },
    onSchemaRetry(e) {
      print(`llmap: row ${e.index + 1}: answer ${e.attempt} invalid (${e.error}); asking again\n`);
    },
    onRowDone(o) {
      if (o.status === 'failed') print(`llmap: row ${o.index + 1}: failed after ${o.attempts} attempt(s): ${o.error}\n`);
    },
  };
}
