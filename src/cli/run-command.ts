/**
 * `llmap run`: wires read → render → cache → schedule → provider → cache store → reorder → write,
 * with progress and the report watching. Owns every resource it opens and closes them on every path.
 */
import { resolveRunConfig, type RawRunOptions, type RunConfig } from '../config/run-config.js';
import { loadProfileOptions } from '../config/load-profile-options.js';
import { defaultCacheDir } from '../cache/default-dir.js';
import { describeCacheLocation, parseCacheUri } from '../cache/cache-uri.js';
import { UsageError } from '../errors.js';
import type { RowOutcome } from '../engine/events.js';
import { mapRowChunks } from '../engine/map-rows.js';
import { chunksOf } from '../io/row-chunks.js';
import { addedCells, addedColumns, METADATA_COLUMNS } from '../engine/output-columns.js';
import { answerCheck } from '../schema/answer-check.js';
import { RateLimiter } from '../engine/rate-limiter.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import { openTableSink } from '../io/index.js';
import type { TableFormat, TableSink, TableSource } from '../io/table.js';
import { compileColumn, compileTemplate, type RenderRow } from '../prompt/template.js';
import { RunStats } from '../report/run-stats.js';
import { formatPrice, formatUsd } from '../report/format-units.js';
import { SpendLimit } from '../report/spend-limit.js';
import type { CliContext } from './context.js';
import type { Interrupts } from './interrupts.js';
import { chatCacheKey, openClientAndCache, openTypedProvider, retryOverrides } from './open-resources.js';
import { openInput, runTable } from './table-run.js';

/** Runs `llmap run <input>` and returns the exit code. Throws user-facing errors for cli/ to print. */
export async function runCommand(input: string, raw: RawRunOptions, cli: CliContext): Promise<number> {
  const config = await loadRunConfig(input, raw, cli);
  const { source, inputFormat, outputFormat } = await openInput(config, cli);
  try {
    const render = compilePrompt(config, source);
    const added = addedColumns(config.outputColumn, config.metadata, config.answerSchema?.columns);
    checkNoClash(source, added.map((c) => c.name), config);
    if (config.dryRun) {
      const { dryRunCommand } = await import('./dry-run.js');
      return await dryRunCommand({ config, source, render, cacheKey: chatCacheKey(config), run: runInfo(config) }, cli);
    }
    const sink = await openTableSink({ path: config.output, format: outputFormat, source, added, parquet: config.parquet, stdout: cli.stdout });
    return await runWithSink(config, source, sink, render, cli, inputFormat);
  } finally {
    await source.close();
  }
}

/** The flags, with the selected profile filling what they leave out, validated. */
async function loadRunConfig(input: string, raw: RawRunOptions, cli: CliContext): Promise<RunConfig> {
  const merged = await loadProfileOptions(raw, { cwd: process.cwd(), env: cli.env, keyRequired: !raw.dryRun && raw.queue === undefined });
  return resolveRunConfig(input, merged, cli.env, () => defaultCacheDir(cli.env));
}


function compilePrompt(config: RunConfig, source: TableSource): RenderRow {
  const textOf = source.cellText;
  if (config.prompt.kind === 'column') return compileColumn(config.prompt.column, source.columns, source.name, textOf);
  return compileTemplate(config.prompt.template, source.columns, config.prompt.where, source.name, textOf);
}

function checkNoClash(source: TableSource, names: string[], config: RunConfig): void {
  const properties = config.answerSchema?.columns.map((c) => c.name) ?? [];
  const where = config.answerSchema?.from;
  for (const name of names) {
    const metadataToo = config.metadata && METADATA_COLUMNS.some((c) => c.name === name);
    if (properties.includes(name) && metadataToo) {
      throw new UsageError(`${where} has a property '${name}', and --metadata adds a column of that name; rename the property`);
    }
    if (!source.columns.includes(name)) continue;
    if (properties.includes(name)) {
      throw new UsageError(`column '${name}' already exists in ${source.name}, and ${where} adds a column of that name; rename the property or the input column`);
    }
    throw new UsageError(
      name === config.outputColumn
        ? `column '${name}' already exists in ${source.name}; name the response column with --output-column`
        : `column '${name}' already exists in ${source.name}, and --metadata adds a column of that name; rename it first`,
    );
  }
}

async function runWithSink(
  config: RunConfig,
  source: TableSource,
  sink: TableSink,
  render: RenderRow,
  cli: CliContext,
  inputFormat: TableFormat,
): Promise<number> {
  let spendLimit: SpendLimit | undefined;
  const stats = new RunStats({ price: config.pricing, typed: config.answerSchema !== undefined });
  const info = runInfo(config);
  return runTable<RowOutcome>({
    settings: config,
    inputChunks: chunksOf(source),
    inputFormat,
    sink,
    cli,
    stats,
    runInfo: info,
    price: config.pricing,
    async start(wiring) {
      if (config.queue) return (await import('./queue-run.js')).startQueued(config, render, wiring, cli);
      if (config.mode === 'batch') return (await import('./batch-run.js')).startBatchEngine(config, render, wiring, cli, info);
      const { chunks, observer, signal, stop } = wiring;
      const { client: provider, cache, close } = await openClientAndCache(config, () => openTypedProvider(config, cli));
      const mapped = mapRowChunks(chunks, {
        provider,
        cache,
        ...(config.cacheDir !== undefined && { cacheKey: chatCacheKey(config) }),
        render,
        system: config.system,
        ...(config.answerSchema && { typed: { check: answerCheck(config.answerSchema.schema), retries: config.schemaRetries } }),
        concurrency: config.concurrency,
        startConcurrency: config.startConcurrency,
        // Always present: with no --rpm/--tpm it paces to the limits the server's headers state.
        rateLimiter: new RateLimiter({ requestsPerMinute: config.requestsPerMinute, tokensPerMinute: config.tokensPerMinute }),
        maxTokens: config.params.maxTokens,
        window: Math.max(64, config.concurrency * 4),
        retry: defaultRetryPolicy({ maxAttempts: config.maxAttempts, ...retryOverrides(cli.env) }),
        observer,
        signal,
        stop,
      });
      return { mapped, close };
    },
    cells: (outcome) => addedCells(outcome, config.metadata, config.answerSchema?.columns),
    stoppers(interrupts) {
      spendLimit = spendLimitFor(config, interrupts);
      return spendLimit ? [spendLimit] : [];
    },
    ownStopLine() {
      const { total, done } = stats.snapshot();
      return `stopped: spent ${formatUsd(spendLimit!.spent)}, reaching --max-cost ${formatPrice(spendLimit!.maxUsd)}; ${notSent(total, done)}`;
    },
  });
}

/**
 * --max-cost as an observer that asks for the soft stop of a first Ctrl-C once the spend reaches
 * the limit. Calls in flight then finish (and are paid for), so the spend can end a little above it.
 */
function spendLimitFor(config: RunConfig, interrupts: Interrupts): SpendLimit | undefined {
  if (config.maxCostUsd === undefined || config.pricing === undefined) return undefined;
  const max = formatPrice(config.maxCostUsd);
  return new SpendLimit(config.pricing, config.maxCostUsd, (spent) =>
    interrupts.stopFor(
      `--max-cost ${max} reached (spent ${formatUsd(spent)} when the stop began)`,
      `llmap: spent ${formatUsd(spent)}, reaching --max-cost ${max}: starting no new calls`,
    ),
  );
}

function notSent(total: number | undefined, done: number): string {
  if (total === undefined) return 'the rest of the input was not sent';
  const left = Math.max(0, total - done);
  return `${left} ${left === 1 ? 'row' : 'rows'} not sent`;
}

function runInfo(config: RunConfig) {
  return {
    provider: config.providerName,
    model: config.model,
    baseURL: config.baseURL ?? null,
    input: config.input,
    output: config.output,
    concurrency: config.concurrency,
    rpm: config.requestsPerMinute ?? null,
    tpm: config.tokensPerMinute ?? null,
    cache: config.cacheDir === undefined ? null : describeCacheLocation(parseCacheUri(config.cacheUri, config.cacheDir)),
    // Only when batch: a realtime report keeps the shape it always had.
    ...(config.mode === 'batch' && { mode: 'batch' }),
  };
}
