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
import type { ChatRequest, Provider } from '../providers/provider.js';
import { createEmbedder, type Embedder } from '../providers/embeddings.js';
import { float32ToBase64 } from '../providers/float32-base64.js';
import { EMBEDDING_MARK } from '../cache/embedding-cache.js';
import { callWithRetry } from '../engine/call-with-retry.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import { formatDuration } from '../report/format-units.js';
import type { CliContext } from './context.js';
import { chatCacheKey, openCache, openProvider, providerOptions, retryOverrides } from './open-resources.js';
import type { EngineWiring, MappedTableRow, StartedEngine } from './table-run.js';
import type { RowOutcome } from '../engine/events.js';
import type { CallConfig } from '../config/call-config.js';
import type { RunInfo } from '../report/run-report.js';
import type { ResponseCache } from '../cache/cache.js';
import type { Row } from '../io/table.js';
import { inChunks } from '../io/row-chunks.js';
import { openInput } from './table-run.js';

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

/** LLMAP_BATCH_MAX_REQUESTS (tests only): fewer requests per batch than the vendor allows, so a small input makes several. */
function withTestLimit(api: BatchApi, env: NodeJS.ProcessEnv): BatchApi {
  const n = Number(env.LLMAP_BATCH_MAX_REQUESTS);
  return Number.isInteger(n) && n > 0 ? { ...api, maxRequests: Math.min(n, api.maxRequests) } : api;
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
  const fallback = fallbackFor(config, () => openProvider(config));
  return startEngine(config, wiring, cli, info, withTestLimit(await createBatchApi(providerOptions(config)), cli.env), fallback, {
    requestOf(row) {
      const prompt = render(row);
      if (prompt.trim() === '') return undefined;
      const request: ChatRequest = config.system === undefined ? { prompt } : { system: config.system, prompt };
      const key = cacheKey(request);
      return { key, body: () => body(request), realtime: request };
    },
    outcome: (base) => base,
  });
}

/** `llmap embed --mode batch`: one text per request, under the embedding cache key, as `/v1/embeddings` would answer it. */
export async function startEmbedBatchEngine(config: EmbedConfig, textOf: RenderRow, wiring: EngineWiring, cli: CliContext, info: RunInfo): Promise<StartedEngine<EmbedOutcome>> {
  const api = withTestLimit(await createBatchApi({ ...providerOptions(config), params: {} }, true), cli.env);
  const { dimensions } = config;
  const fallback = fallbackFor(config, async () => embedderAsProvider(await createEmbedder({ ...providerOptions(config), params: {}, dimensions })));
  return startEngine(config, wiring, cli, info, api, fallback, {
    requestOf(row) {
      const text = textOf(row);
      if (text.trim() === '') return undefined;
      const key = embeddingKey({ provider: config.provider, baseURL: config.baseURL, model: config.model, dimensions, query: config.query, text });
      return { key, realtime: { prompt: text }, body: () => ({ model: config.model, input: text, encoding_format: 'base64', ...(dimensions !== undefined && { dimensions }) }) };
    },
    outcome: (base, answer) => ({ ...base, text: '', vector: answer ? (float32FromBase64(answer.text) ?? null) : null }),
  });
}

async function startEngine<O extends RowOutcome>(
  config: (RunConfig | EmbedConfig) & { quiet: boolean },
  wiring: EngineWiring,
  cli: CliContext,
  info: RunInfo,
  api: BatchApi,
  fallback: Fallback | undefined,
  rows: Pick<BatchEngineOptions<O>, 'requestOf' | 'outcome'>,
): Promise<StartedEngine<O>> {
  let provider: Promise<Provider> | undefined;
  const retry = defaultRetryPolicy({ maxAttempts: config.maxAttempts, ...retryOverrides(cli.env) });
  let cache: ResponseCache | undefined;
  let answers: ResponseCache;
  try {
    cache = await openCache(config);
    // The output is read back from the cache; under a --cache-mode that never serves, through a reader that does.
    answers = config.cacheMode === 'write' || config.cacheMode === 'refresh' ? await openCache({ ...config, cacheMode: 'rw' }) : cache;
  } catch (err) {
    await cache?.close();
    await api.close();
    throw err;
  }
  const say = (line: string) => cli.stderr.write(line + '\n');
  const mapped = mapRowsBatch(wiring.rows, () => rereadInput(config, cli), {
    ...rows,
    answers,
    ...(cli.env.LLMAP_BATCH_DEBUG && { debug: say }),
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
    ...(fallback && {
      async fallback(request: ChatRequest) {
        provider ??= fallback.open();
        const ctx = { provider: await provider, retry, observer: wiring.observer, signal: wiring.signal, stop: wiring.stop, now: () => performance.now() };
        const call = await callWithRetry(ctx, 0, request);
        if ('error' in call) return { error: call.error.message };
        const { text, finishReason, usage } = call.result;
        return { text, finishReason, usage, storedAt: Date.now() };
      },
    }),
    async onBatches(result) {
      // The report (--report) names the batches and the wait: what a CI job needs to follow them up.
      info.batches = result.batchIds.join(' ');
      info.batchesStillRunning = result.running.map((r) => r.batchId).join(' ');
      info.batchWaitMs = result.waitedMs;
      reportBatches(result, config.quiet, say);
      if (result.running.length > 0 && config.graceMs > 0 && (await secondStop(wiring.signal, config.graceMs, say))) {
        await cancelRunning(api, result, say);
        info.batchesStillRunning = '';
      }
    },
  }) as AsyncIterable<MappedTableRow<O>>;
  return {
    mapped: inChunks(mapped),
    async close() {
      if (answers !== cache) await answers.close();
      await cache.close();
      await api.close();
      await (await provider?.catch(() => undefined))?.close();
    },
  };
}

/**
 * The input read once more, from the top, as the command opened it (standard input: its temp copy,
 * batch-input.ts); as many rows as the first read gave are taken (--limit, a stop).
 */
async function* rereadInput(config: RunConfig | EmbedConfig, cli: CliContext): AsyncIterable<Row> {
  const { source } = await openInput(config, cli);
  try {
    yield* source.rows;
  } finally {
    await source.close();
  }
}

/** --batch-fallback realtime: the client for the realtime calls, opened only if one is needed. */
interface Fallback {
  open(): Promise<Provider>;
}

function fallbackFor(config: { batchFallback: string }, open: () => Promise<Provider>): Fallback | undefined {
  return config.batchFallback === 'realtime' ? { open } : undefined;
}

/** An embedder seen as a provider of one text per call, its answer shaped as the embedding cache stores it. */
function embedderAsProvider(embedder: Embedder): Provider {
  return {
    id: embedder.id,
    model: embedder.model,
    async complete(request, signal) {
      const { vectors, usage } = await embedder.embed([request.prompt], signal);
      return { text: float32ToBase64(vectors[0]), finishReason: EMBEDDING_MARK, usage };
    },
    close: () => embedder.close(),
  };
}

/**
 * After a Ctrl-C left batches running: whether a second Ctrl-C comes within the grace period (then
 * the batches are cancelled). The end of the grace period aborts the same signal, for another reason.
 */
function secondStop(signal: AbortSignal, graceMs: number, say: (line: string) => void): Promise<boolean> {
  say(`llmap: press Ctrl-C again within ${graceMs < 1000 ? `${graceMs}ms` : `${Math.round(graceMs / 1000)}s`} to cancel them instead`);
  const bySignal = () => /^stopped by SIG/.test(String((signal.reason as Error | undefined)?.message));
  if (signal.aborted) return Promise.resolve(bySignal());
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, graceMs);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(bySignal());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Asks the server to cancel each batch left running; a later run still collects what they finished. */
async function cancelRunning(api: BatchApi, result: BatchRunResult, say: (line: string) => void): Promise<void> {
  for (const rec of result.running) {
    try {
      const b = await api.cancel(rec.batchId!, AbortSignal.timeout(30_000));
      say(`llmap: batch ${b.id}: ${b.status}`);
    } catch (err) {
      say(`llmap: could not cancel batch ${rec.batchId}: ${(err as Error).message}; llmap batch cancel tries again`);
    }
  }
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
