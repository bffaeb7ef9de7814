/**
 * `llmap run --mode batch`: the batch engine wired to the run's cache, the vendor's batch endpoint
 * and the record of batches beside the cache, with its lines on stderr.
 */
import type { RunConfig } from '../config/run-config.js';
import { normalizeBaseURL } from '../cache/key.js';
import { batchStoreDir, BatchStore } from '../engine/batch/batch-store.js';
import { mapRowsBatch, type BatchEngineOptions } from '../engine/batch/map-rows-batch.js';
import type { EmbedConfig } from '../config/embed-config.js';
import { embeddingKey } from '../cache/embedding-key.js';
import type { EmbedOutcome } from '../engine/embed-rows.js';
import type { BatchApi } from '../providers/batch/batch-api.js';
import { float32FromBase64 } from '../providers/float32-base64.js';
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
import type { RunInfo } from '../report/run-report.js';

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

/** `llmap run --mode batch`: each row's prompt, under the chat cache key. */
export async function startBatchEngine(config: RunConfig, render: RenderRow, wiring: EngineWiring, cli: CliContext, info: RunInfo): Promise<StartedEngine<RowOutcome>> {
  const cacheKey = chatCacheKey(config);
  const body = await bodyBuilder(config);
  return startEngine(config, wiring, cli, info, await createBatchApi(providerOptions(config)), {
    requestOf(row) {
      const prompt = render(row);
      if (prompt.trim() === '') return undefined;
      const request: ChatRequest = config.system === undefined ? { prompt } : { system: config.system, prompt };
      return { key: cacheKey(request), body: () => body(request) };
    },
    outcome: (base) => base,
  });
}

/** `llmap embed --mode batch`: one text per request, under the embedding cache key, as `/v1/embeddings` would answer it. */
export async function startEmbedBatchEngine(config: EmbedConfig, textOf: RenderRow, wiring: EngineWiring, cli: CliContext, info: RunInfo): Promise<StartedEngine<EmbedOutcome>> {
  const api = await createBatchApi({ ...providerOptions(config), params: {} }, true);
  const { dimensions } = config;
  return startEngine(config, wiring, cli, info, api, {
    requestOf(row) {
      const text = textOf(row);
      if (text.trim() === '') return undefined;
      const key = embeddingKey({ provider: config.provider, baseURL: config.baseURL, model: config.model, dimensions, query: config.query, text });
      return { key, body: () => ({ model: config.model, input: text, encoding_format: 'base64', ...(dimensions !== undefined && { dimensions }) }) };
    },
    outcome: (base, answer) => ({ ...base, text: '', vector: answer ? (float32FromBase64(answer.text) ?? null) : null }),
  });
}

async function startEngine<O extends RowOutcome>(
  config: CallConfig & { quiet: boolean },
  wiring: EngineWiring,
  cli: CliContext,
  info: RunInfo,
  api: BatchApi,
  rows: Pick<BatchEngineOptions<O>, 'requestOf' | 'outcome'>,
): Promise<StartedEngine<O>> {
  let cache;
  try {
    cache = await openCache(config);
  } catch (err) {
    await api.close();
    throw err;
  }
  const say = (line: string) => cli.stderr.write(line + '\n');
  const mapped = mapRowsBatch(wiring.rows, {
    ...rows,
    api,
    store: new BatchStore(batchStoreDir(config.cacheDir!)),
    scope: batchScope(config),
    cache,
    retries: config.maxAttempts - 1,
    ...pollIntervals(cli.env),
    observer: wiring.observer,
    signal: wiring.signal,
    stop: wiring.stop,
    log: config.quiet ? () => undefined : say,
    onBatches: (result) => {
      // The report (--report) names the batches and the wait: what a CI job needs to follow them up.
      info.batches = result.batchIds.join(' ');
      info.batchesStillRunning = result.running.map((r) => r.batchId).join(' ');
      info.batchWaitMs = result.waitedMs;
      reportBatches(result, config.quiet, say);
    },
  }) as AsyncIterable<MappedTableRow<O>>;
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
