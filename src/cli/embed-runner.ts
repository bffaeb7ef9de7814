/**
 * `llmap embed`: wires read → text → cache → batch → embedder → cache store → reorder → write, with
 * progress and the report watching. Owns every resource it opens and closes them on every path;
 * exit codes, interrupts and the .partial file work as in `llmap run`.
 */
import { embeddingCache } from '../cache/embedding-cache.js';
import { embeddingKey } from '../cache/embedding-key.js';
import { describeCacheLocation, parseCacheUri } from '../cache/cache-uri.js';
import type { ResponseCache } from '../cache/cache.js';
import { loadEmbedConfig, type EmbedConfig, type RawEmbedOptions } from '../config/embed-config.js';
import { OutputClosedError, UsageError } from '../errors.js';
import { embedRows } from '../engine/embed-rows.js';
import type { RunObserver } from '../engine/events.js';
import { FatalRunError } from '../engine/map-rows.js';
import { RateLimiter } from '../engine/rate-limiter.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import { take } from '../engine/take.js';
import { countRows, detectFormat, openTableSink, openTableSource } from '../io/index.js';
import type { AddedColumn, TableSink, TableSource } from '../io/table.js';
import { arrowCellText } from '../io/arrow-cell-text.js';
import { compileColumn, type RenderRow } from '../prompt/template.js';
import { createEmbedder, type Embedder } from '../providers/embeddings.js';
import { createProgress } from '../progress/progress.js';
import { combineObservers } from '../report/combine-observers.js';
import { RunStats } from '../report/run-stats.js';
import { formatSummary, writeReportFile } from '../report/run-report.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { Interrupts } from './interrupts.js';
import { openCache, retryOverrides } from './open-resources.js';
import { verboseLog } from './verbose-log.js';

// Rows read ahead are capped: enough for a full batch per request in flight, never unbounded.
const MAX_WINDOW_ROWS = 100_000;
// Stdin may trickle: a partly filled batch goes after this long without a new row.
const STDIN_LINGER_MS = 200;

/** Runs `llmap embed <input>` and returns the exit code. Throws user-facing errors for cli/ to print. */
export async function runEmbed(input: string, raw: RawEmbedOptions, cli: CliContext): Promise<number> {
  const config = await loadEmbedConfig(input, raw, { cwd: process.cwd(), env: cli.env });
  const inputFormat = detectFormat(config.input, config.inputFormat, '--input-format');
  const outputFormat = detectFormat(config.output, config.outputFormat, '--output-format');
  const source = await openTableSource(
    { path: config.input, format: inputFormat, stdin: cli.stdin },
    { relaxColumnCount: config.relaxColumnCount },
  );
  try {
    const textOf = compileColumn(config.column, source.columns, source.name, arrowCellText(source.arrowSchema));
    if (source.columns.includes(config.outputColumn)) {
      throw new UsageError(`column '${config.outputColumn}' already exists in ${source.name}; name the embedding column with --output-column`);
    }
    const added: AddedColumn[] = [
      { name: config.outputColumn, type: 'float32-vector', ...(config.dimensions !== undefined && { listSize: config.dimensions }) },
    ];
    const sink = await openTableSink({ path: config.output, format: outputFormat, source, added, stdout: cli.stdout });
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
  inputFormat: Parameters<typeof countRows>[1],
): Promise<number> {
  const stats = new RunStats();
  const progress = config.quiet ? undefined : createProgress({ stream: cli.stderr, stats });
  const observers: RunObserver[] = [stats];
  if (progress) observers.push(progress);
  if (config.verbose) observers.push(verboseLog(cli.stderr));
  const observer = combineObservers(...observers);
  const interrupts = new Interrupts(cli, config.graceMs, (line) => cli.stderr.write(line + '\n'));

  let embedder: Embedder | undefined;
  let cache: ResponseCache | undefined;
  let outcome: 'finished' | 'stopped' | 'pipe-closed' = 'finished';
  let partialPath: string | undefined;
  try {
    embedder = await openEmbedder(config);
    cache = await openCache(config);
    if (config.input !== '-') {
      void countRows(config.input, inputFormat).then((n) => {
        observer.onTotal?.(n === undefined || config.limit === undefined ? n : Math.min(n, config.limit));
      });
    }
    const rows = config.limit === undefined ? source.rows : take(source.rows, config.limit);
    const embedded = embedRows(rows, {
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
      signal: interrupts.abort,
      stop: interrupts.stop,
    });
    // After a stop, rows are drained (so requests in flight finish and are cached) but only the
    // unbroken prefix of finished rows is written: a .partial file is always a true prefix.
    let prefixIntact = true;
    try {
      for await (const { row, outcome: o } of embedded) {
        if (o.stopped) prefixIntact = false;
        if (prefixIntact) await sink.write(row.concat([o.vector]));
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
    throw err instanceof FatalRunError ? new UsageError(err.message) : err;
  } finally {
    interrupts.dispose();
    progress?.stop();
    observer.onEnd?.();
    await cache?.close();
    await embedder?.close();
  }

  if (outcome === 'pipe-closed') return EXIT.ok;
  const failed = stats.snapshot().failed;
  const exitCode =
    outcome === 'stopped'
      ? interrupts.stoppedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted
      : failed > 0 ? EXIT.someRowsFailed : EXIT.ok;
  const finalReport = stats.report({
    exitCode,
    stopped: interrupts.stoppedBy && `signal ${interrupts.stoppedBy}`,
    run: runInfo(config),
    price: config.price,
  });
  if (config.reportPath) await writeReportFile(config.reportPath, finalReport);
  if (!config.quiet) cli.stderr.write(formatSummary(finalReport) + '\n');
  if (outcome === 'stopped') {
    cli.stderr.write(
      `llmap: stopped by ${interrupts.stoppedBy}` + (partialPath ? `; the rows finished so far are in ${partialPath}\n` : '\n'),
    );
  }
  return exitCode;
}

function openEmbedder(config: EmbedConfig): Promise<Embedder> {
  return createEmbedder({
    kind: config.provider,
    model: config.model,
    baseURL: config.baseURL,
    apiKey: config.apiKey,
    apiKeyEnv: config.apiKeyEnv,
    params: {},
    concurrency: config.concurrency,
    timeoutMs: config.timeoutMs,
    headers: config.headers,
    query: config.query,
    keyHeader: config.keyHeader,
    ...(config.dimensions !== undefined && { dimensions: config.dimensions }),
  });
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
  };
}
