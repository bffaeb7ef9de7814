/**
 * `llmap embed`: wires read → text → cache → batch → embedder → cache store → reorder → write, with
 * progress and the report watching. Owns every resource it opens and closes them on every path;
 * exit codes, interrupts and the .partial file work as in `llmap run`.
 */
import { embeddingCache } from '../cache/embedding-cache.js';
import { embeddingKey } from '../cache/embedding-key.js';
import { describeCacheLocation, parseCacheUri } from '../cache/cache-uri.js';
import { loadEmbedConfig, type EmbedConfig, type RawEmbedOptions } from '../config/embed-config.js';
import { UsageError } from '../errors.js';
import { embedRows, type EmbedOutcome } from '../engine/embed-rows.js';
import { RateLimiter } from '../engine/rate-limiter.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import { openTableSink } from '../io/index.js';
import { chunksOf, inChunks } from '../io/row-chunks.js';
import type { AddedColumn, TableFormat, TableSink, TableSource } from '../io/table.js';
import { compileColumn, type RenderRow } from '../prompt/template.js';
import { createEmbedder, type Embedder } from '../providers/embeddings.js';
import { RunStats } from '../report/run-stats.js';
import type { CliContext } from './context.js';
import { openClientAndCache, providerOptions, retryOverrides } from './open-resources.js';
import { openInput, runTable } from './table-run.js';

// Rows read ahead are capped: enough for a full batch per request in flight, never unbounded.
const MAX_WINDOW_ROWS = 100_000;
// Stdin may trickle: a partly filled batch goes after this long without a new row.
const STDIN_LINGER_MS = 200;

/** Runs `llmap embed <input>` and returns the exit code. Throws user-facing errors for cli/ to print. */
export async function runEmbed(input: string, raw: RawEmbedOptions, cli: CliContext): Promise<number> {
  const config = await loadEmbedConfig(input, raw, { cwd: process.cwd(), env: cli.env });
  const { source, inputFormat, outputFormat } = await openInput(config, cli);
  try {
    const textOf = compileColumn(config.column, source.columns, source.name, source.cellText);
    if (source.columns.includes(config.outputColumn)) {
      throw new UsageError(`column '${config.outputColumn}' already exists in ${source.name}; name the embedding column with --output-column`);
    }
    const added: AddedColumn[] = [
      { name: config.outputColumn, type: 'float32-vector', ...(config.dimensions !== undefined && { listSize: config.dimensions }) },
    ];
    const sink = await openTableSink({ path: config.output, format: outputFormat, source, added, parquet: config.parquet, stdout: cli.stdout });
    return await embedWithSink(config, source, sink, textOf, cli, inputFormat);
  } finally {
    await source.close();
  }
}

async function embedWithSink(
  config: EmbedConfig,
  source: TableSource,
  sink: TableSink,
  textOf: RenderRow,
  cli: CliContext,
  inputFormat: TableFormat,
): Promise<number> {
  const info = runInfo(config);
  return runTable<EmbedOutcome>({
    settings: config,
    inputChunks: chunksOf(source),
    inputFormat,
    sink,
    cli,
    stats: new RunStats(),
    runInfo: info,
    price: config.price,
    async start(wiring) {
      if (config.mode === 'batch') return (await import('./batch-run.js')).startEmbedBatchEngine(config, textOf, wiring, cli, info);
      const { rows, observer, signal, stop } = wiring;
      const { client: embedder, cache, close } = await openClientAndCache(config, () => openEmbedder(config));
      const mapped = embedRows(rows, {
        embedder,
        cache: embeddingCache(cache),
        cacheKey: (text) =>
          embeddingKey({ provider: config.provider, baseURL: config.baseURL, model: config.model, dimensions: config.dimensions, query: config.query, text }),
        textOf,
        batchSize: config.batchSize,
        concurrency: config.concurrency,
        // Always present: with no --rpm/--tpm it paces to the limits the server's headers state.
        rateLimiter: new RateLimiter({ requestsPerMinute: config.requestsPerMinute, tokensPerMinute: config.tokensPerMinute }),
        window: Math.max(2 * config.batchSize, Math.min(config.batchSize * (config.concurrency + 1), MAX_WINDOW_ROWS)),
        ...(config.input === '-' && { lingerMs: STDIN_LINGER_MS }),
        retry: defaultRetryPolicy({ maxAttempts: config.maxAttempts, ...retryOverrides(cli.env) }),
        observer,
        signal,
        stop,
      });
      return { mapped: inChunks(mapped), close };
    },
    cells: (outcome) => [outcome.vector],
  });
}

function openEmbedder(config: EmbedConfig): Promise<Embedder> {
  return createEmbedder({ ...providerOptions(config), params: {}, ...(config.dimensions !== undefined && { dimensions: config.dimensions }) });
}

function runInfo(config: EmbedConfig) {
  return {
    command: 'embed',
    provider: config.providerName,
    model: config.model,
    baseURL: config.baseURL ?? null,
    input: config.input,
    output: config.output,
    batchSize: config.batchSize,
    dimensions: config.dimensions ?? null,
    concurrency: config.concurrency,
    rpm: config.requestsPerMinute ?? null,
    tpm: config.tokensPerMinute ?? null,
    cache: config.cacheDir === undefined ? null : describeCacheLocation(parseCacheUri(config.cacheUri, config.cacheDir)),
    // Only when batch: a realtime report keeps the shape it always had.
    ...(config.mode === 'batch' && { mode: 'batch' }),
  };
}
