/** --mode (or a profile's "mode"): realtime, one request per row, or batch, the vendor's batch endpoint. */
import { UsageError } from '../errors.js';
import { checkBatchSupport } from '../providers/batch/factory.js';
import type { CallConfig } from './call-config.js';
import { parseChoice } from './parse-values.js';

export type RunMode = 'realtime' | 'batch';

/**
 * The mode; batch needs a vendor with a batch endpoint and the cache (answers are stored there and
 * the batches recorded beside it). Checked before anything is read or sent.
 */
export function resolveMode(raw: string | undefined, call: CallConfig): RunMode {
  const mode = parseChoice('--mode', raw ?? 'realtime', ['realtime', 'batch'] as const);
  if (mode === 'realtime') return mode;
  checkBatchSupport(call.providerName);
  if (call.cacheDir === undefined) {
    throw new UsageError('--mode batch stores every answer in the cache and keeps track of its batches beside it; drop --no-cache');
  }
  if (call.cacheMode === 'read') throw new UsageError('--mode batch stores every answer in the cache; --cache-mode read never stores');
  return mode;
}
