/**
 * `llmap run --mode batch`: the batch engine wired to the run's cache, the vendor's batch endpoint
 * and the record of batches beside the cache, with its lines on stderr.
 */
import type { RunConfig } from '../config/run-config.js';
import { normalizeBaseURL } from '../cache/key.js';
import { batchStoreDir, BatchStore } from '../engine/batch/batch-store.js';
import { mapRowsBatch } from '../engine/batch/map-rows-batch.js';
import type { BatchRunResult } from '../engine/batch/run-batches.js';
import type { RenderRow } from '../prompt/template.js';
import { createBatchApi } from '../providers/batch/factory.js';
import type { ChatRequest } from '../providers/provider.js';
import { formatDuration } from '../report/format-units.js';
import type { CliContext } from './context.js';
import { chatCacheKey, openCache, providerOptions } from './open-resources.js';
import type { EngineWiring, MappedTableRow, StartedEngine } from './table-run.js';
import type { RowOutcome } from '../engine/events.js';
import type { CallConfig } from '../config/call-config.js';

/** Polls start at 5 s and back off to a minute; LLMAP_BATCH_POLL_MS (tests only) shortens both. */
export function pollIntervals(env: NodeJS.ProcessEnv): { pollMs: number; maxPollMs: number } {
  const ms = Number(env.LLMAP_BATCH_POLL_MS);
  return Number.isFinite(ms) && ms > 0 ? { pollMs: ms, maxPollMs: ms * 4 } : { pollMs: 5_000, maxPollMs: 60_000 };
}

/** Which records are this config's: vendor, endpoint (never its credentials) and model. */
export function batchScope(config: CallConfig): { vendor: string; endpoint: string; model: string } {
  const endpoint = normalizeBaseURL(config.baseURL ?? (config.provider === 'anthropic' ? 'https://api.anthropic.com' : 'https://api.openai.com/v1'));
  return { vendor: config.provider, endpoint, model: config.model };
}

/** The request body the realtime adapter would send, so a batch answer is the answer of the same request. */
export async function bodyBuilder(config: CallConfig): Promise<(request: ChatRequest) => unknown> {
  const pc = providerOptions(config);
  if (config.provider === 'anthropic') {
    const { requestBody } = await import('../providers/anthropic-body.js');
    return (r) => requestBody(pc, r);
  }
  const { requestBody } = await import('../providers/openai-body.js');
  return (r) => requestBody(pc, r);
}

export async function startBatchEngine(config: RunConfig, render: RenderRow, wiring: EngineWiring, cli: CliContext): Promise<StartedEngine<RowOutcome>> {
  const api = await createBatchApi(providerOptions(config));
  const cache = await openCache(config);
  const say = (line: string) => cli.stderr.write(line + '\n');
  const mapped = mapRowsBatch(wiring.rows, {
    api,
    store: new BatchStore(batchStoreDir(config.cacheDir!)),
    scope: batchScope(config),
    cache,
    cacheKey: chatCacheKey(config),
    body: await bodyBuilder(config),
    render,
    system: config.system,
    retries: config.maxAttempts - 1,
    ...pollIntervals(cli.env),
    observer: wiring.observer,
    signal: wiring.signal,
    stop: wiring.stop,
    log: config.quiet ? () => undefined : say,
    onBatches: (result) => reportBatches(result, config.quiet, say),
  }) as AsyncIterable<MappedTableRow<RowOutcome>>;
  return {
    mapped,
    async close() {
      await cache.close();
      await api.close();
    },
  };
}

/** What became of the batches: always said when some are left running, since the user must come back for them. */
function reportBatches(result: BatchRunResult, quiet: boolean, say: (line: string) => void): void {
  const n = result.running.length;
  if (n > 0) {
    const ids = result.running.map((r) => r.batchId).join(', ');
    say(
      `llmap: ${n} ${n === 1 ? 'batch is' : 'batches are'} still running on the server (${ids}); ` +
        'run the same command again to collect the answers (llmap batch status lists them, llmap batch cancel cancels them)',
    );
  } else if (!quiet && result.batchIds.length > 0) {
    say(`llmap: batches ${result.batchIds.join(', ')} done after ${formatDuration(result.waitedMs)}`);
  }
}
