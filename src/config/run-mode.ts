/** --mode (or a profile's "mode"): realtime, one request per row, or batch, the vendor's batch endpoint. */
import { UsageError } from '../errors.js';
import { checkBatchSupport } from '../providers/batch/factory.js';
import type { CallConfig } from './call-config.js';
import { parseChoice } from './parse-values.js';

export type RunMode = 'realtime' | 'batch';

/** The --mode value alone, checked before anything else (a typo is told first). */
export function parseMode(raw: string | undefined): RunMode {
  return parseChoice('--mode', raw ?? 'realtime', ['realtime', 'batch'] as const);
}

/**
 * The mode; batch needs a vendor with a batch endpoint and the cache (answers are stored there and
 * the batches recorded beside it). Checked before anything is read or sent.
 */
export function resolveMode(raw: string | undefined, call: CallConfig): RunMode {
  const mode = parseMode(raw);
  if (mode === 'realtime') return mode;
  checkBatchSupport(call.providerName);
  if (call.cacheDir === undefined) {
    throw new UsageError('--mode batch stores every answer in the cache and keeps track of its batches beside it; drop --no-cache');
  }
  if (call.cacheMode === 'read') throw new UsageError('--mode batch stores every answer in the cache; --cache-mode read never stores');
  return mode;
}

/** What becomes of requests that failed in their batch: a new batch (default), or realtime calls. */
export type BatchFallback = 'batch' | 'realtime';

/** --batch-fallback, which only batch mode has. */
export function resolveBatchFallback(raw: string | undefined, mode: RunMode): BatchFallback {
  if (raw === undefined) return 'batch';
  const fallback = parseChoice('--batch-fallback', raw, ['batch', 'realtime'] as const);
  if (mode !== 'batch') throw new UsageError('--batch-fallback is for --mode batch');
  return fallback;
}
