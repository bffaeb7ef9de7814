/**
 * `llmap run`: wires read → render → cache → schedule → provider → cache store → reorder → write,
 * with progress and the report watching. Owns every resource it opens and closes them on every path.
 */
import { resolveRunConfig, type RawRunOptions, type RunConfig } from '../config/run-config.js';
import { loadProfileOptions } from '../config/load-profile-options.js';
import { defaultCacheDir } from '../cache/default-dir.js';
import { describeCacheLocation, parseCacheUri } from '../cache/cache-uri.js';
import { cacheKeyFor } from '../cache/key.js';
import type { ResponseCache } from '../cache/cache.js';
import { OutputClosedError, UsageError } from '../errors.js';
import { FatalRunError, mapRows } from '../engine/map-rows.js';
import { addedCells, addedColumns } from '../engine/output-columns.js';
import { RateLimiter } from '../engine/rate-limiter.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import { take } from '../engine/take.js';
import type { RunObserver } from '../engine/events.js';
import { arrowCellText } from '../io/arrow-cell-text.js';
import { countRows, detectFormat, openTableSink, openTableSource } from '../io/index.js';
import type { TableSink, TableSource } from '../io/table.js';
import { compileColumn, compileTemplate, type RenderRow } from '../prompt/template.js';
import type { ChatRequest, Provider } from '../providers/provider.js';
import { createProgress } from '../progress/progress.js';
import { combineObservers } from '../report/combine-observers.js';
import { RunStats } from '../report/run-stats.js';
import { formatSummary, writeReportFile } from '../report/run-report.js';
import { formatPrice, formatUsd } from '../report/format-units.js';
import { SpendLimit } from '../report/spend-limit.js';
import { EXIT } from './exit-codes.js';
import type { CliContext } from './context.js';
import { Interrupts } from './interrupts.js';
import { openCache, openProvider, retryOverrides } from './open-resources.js';
import { verboseLog } from './verbose-log.js';

/** Runs `llmap run <input>` and returns the exit code. Throws user-facing errors for cli/ to print. */
export async function runCommand(input: string, raw: RawRunOptions, cli: CliContext): Promise<number> {
  const config = await loadRunConfig(input, raw, cli);
  const inputFormat = detectFormat(config.input, config.inputFormat, '--input-format');
  const outputFormat = detectFormat(config.output, config.outputFormat, '--output-format');
  const source = await openTableSource(
    { path: config.input, format: inputFormat, stdin: cli.stdin },
    { relaxColumnCount: config.relaxColumnCount },
  );
  try {
    const render = compilePrompt(config, source);
    const added = addedColumns(config.outputColumn, config.metadata);
    checkNoClash(source, added.map((c) => c.name), config);
    if (config.dryRun) {
      const { dryRunCommand } = await import('./dry-run.js');
      return await dryRunCommand({ config, source, render, cacheKey: runCacheKey(config), run: runInfo(config) }, cli);
    }
    const sink = await openTableSink({ path: config.output, format: outputFormat, source, added, stdout: cli.stdout });
    return await runWithSink(config, source, sink, render, cli, inputFormat);
  } finally {
    await source.close();
  }
}

/** The flags, with the selected profile filling what they leave out, validated. */
async function loadRunConfig(input: string, raw: RawRunOptions, cli: CliContext): Promise<RunConfig> {
  const merged = await loadProfileOptions(raw, { cwd: process.cwd(), env: cli.env, keyRequired: !raw.dryRun });
  return resolveRunConfig(input, merged, cli.env, () => defaultCacheDir(cli.env));
}

/** The cache key of a request in this run: the dry run must look up exactly what the run would. */
function runCacheKey(config: RunConfig): (request: ChatRequest) => string {
  return cacheKeyFor({ provider: config.provider, baseURL: config.baseURL, model: config.model, params: config.params, query: config.query });
}

function compilePrompt(config: RunConfig, source: TableSource): RenderRow {
  const textOf = arrowCellText(source.arrowSchema);
  if (config.prompt.kind === 'column') return compileColumn(config.prompt.column, source.columns, source.name, textOf);
  return compileTemplate(config.prompt.template, source.columns, config.prompt.where, source.name, textOf);
}

function checkNoClash(source: TableSource, names: string[], config: RunConfig): void {
  for (const name of names) {
    if (!source.columns.includes(name)) continue;
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
  inputFormat: Parameters<typeof countRows>[1],
): Promise<number> {
  const stats = new RunStats({ price: config.pricing });
  const progress = config.quiet ? undefined : createProgress({ stream: cli.stderr, stats });
  const interrupts = new Interrupts(cli, config.graceMs, (line) => cli.stderr.write(line + '\n'));
  const observers: RunObserver[] = [stats];
  if (progress) observers.push(progress);
  if (config.verbose) observers.push(verboseLog(cli.stderr));
  const spendLimit = spendLimitFor(config, interrupts);
  if (spendLimit) observers.push(spendLimit);
  const observer = combineObservers(...observers);

  let provider: Provider | undefined;
  let cache: ResponseCache | undefined;
  let outcome: 'finished' | 'stopped' | 'pipe-closed' = 'finished';
  let partialPath: string | undefined;
  try {
    provider = await openProvider(config);
    cache = await openCache(config);
    // Only the progress display shows the total; counting reads the whole input a second time.
    if (progress && config.input !== '-') {
      void countRows(config.input, inputFormat).then((n) => {
        observer.onTotal?.(n === undefined || config.limit === undefined ? n : Math.min(n, config.limit));
      });
    }
    const rows = config.limit === undefined ? source.rows : take(source.rows, config.limit);
    const mapped = mapRows(rows, {
      provider,
      cache,
      cacheKey: runCacheKey(config),
      render,
      system: config.system,
      concurrency: config.concurrency,
      startConcurrency: config.startConcurrency,
      // Always present: with no --rpm/--tpm it paces to the limits the server's headers state.
      rateLimiter: new RateLimiter({ requestsPerMinute: config.requestsPerMinute, tokensPerMinute: config.tokensPerMinute }),
      maxTokens: config.params.maxTokens,
      window: Math.max(64, config.concurrency * 4),
      retry: defaultRetryPolicy({ maxAttempts: config.maxAttempts, ...retryOverrides(cli.env) }),
      observer,
      signal: interrupts.abort,
      stop: interrupts.stop,
    });
    // After a stop, rows are drained (so calls in flight finish and are cached) but only the
    // unbroken prefix of finished rows is written: a .partial file is always a true prefix.
    let prefixIntact = true;
    try {
      for await (const { row, outcome: o } of mapped) {
        if (o.stopped) prefixIntact = false;
        if (prefixIntact) await sink.write(row.concat(addedCells(o, config.metadata)));
      }
    } catch (err) {
      if (!(err instanceof OutputClosedError)) throw err;
      outcome = 'pipe-closed';
    }
    if (outcome === 'pipe-closed') {
      interrupts.abortNow('output closed');
      await sink.abort(false);
    } else if (interrupts.stop.aborted) {
      outcome = 'stopped';
      partialPath = await sink.abort(true);
    } else {
      await sink.finish();
    }
  } catch (err) {
    interrupts.abortNow('run failed');
    await sink.abort(false).catch(() => undefined);
    if (!(err instanceof FatalRunError)) throw err;
    // A CI job reads the report to see what happened, a run stopped by a bad key included.
    if (config.reportPath) {
      const report = stats.report({ exitCode: EXIT.fatal, stopped: err.message, run: runInfo(config), price: config.pricing });
      await writeReportFile(config.reportPath, report).catch(() => undefined);
    }
    throw new UsageError(err.message);
  } finally {
    interrupts.dispose();
    progress?.stop();
    observer.onEnd?.();
    await cache?.close();
    await provider?.close();
  }

  if (outcome === 'pipe-closed') return EXIT.ok;
  const snapshot = stats.snapshot();
  // A stop the run asked for (--max-cost) is not a signal: the run ended early, like failed rows.
  const exitCode =
    outcome === 'stopped'
      ? interrupts.stoppedBy === 'SIGTERM' ? EXIT.terminated : interrupts.stoppedBy ? EXIT.interrupted : EXIT.someRowsFailed
      : snapshot.failed > 0 ? EXIT.someRowsFailed : EXIT.ok;
  const finalReport = stats.report({
    exitCode,
    stopped: interrupts.stoppedBy ? `signal ${interrupts.stoppedBy}` : interrupts.stopReason,
    run: runInfo(config),
    price: config.pricing,
  });
  if (config.reportPath) await writeReportFile(config.reportPath, finalReport);
  if (!config.quiet) cli.stderr.write(formatSummary(finalReport) + '\n');
  if (outcome === 'stopped') {
    const why =
      interrupts.stoppedBy || !spendLimit
        ? `stopped by ${interrupts.stoppedBy}`
        : `stopped: spent ${formatUsd(spendLimit.spent)}, reaching --max-cost ${formatPrice(spendLimit.maxUsd)}; ${notSent(snapshot.total, snapshot.done)}`;
    cli.stderr.write(`llmap: ${why}` + (partialPath ? `; the rows finished so far are in ${partialPath}\n` : '\n'));
  }
  return exitCode;
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
  };
}
