/**
 * The one map from how a run ended to the process exit code.
 */

/** Exit codes, as documented in the README. */
export const EXIT = {
  /** Every row answered (or skipped as empty). */
  ok: 0,
  /** Nothing useful happened: bad flags, unreadable input, missing column or key, auth failure. */
  fatal: 1,
  /** The run finished but some rows failed; re-running retries only those. */
  someRowsFailed: 2,
  /** Stopped by SIGINT (128 + 2). */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;
