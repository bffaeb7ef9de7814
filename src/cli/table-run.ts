/**
 * The part of `llmap run` and `llmap embed` that is the same: rows mapped by an engine are written
 * to the sink in input order, with progress and the report watching, Ctrl-C handled (the .partial
 * file is always a true prefix), every resource closed on every path, and the exit code decided.
 * Each command supplies its engine and the cells it appends.
 */
import { UsageError } from '../errors.js';
import type { RunObserver } from '../engine/events.js';
import { FatalRunError } from '../engine/map-rows.js';
import { DONE } from '../io/byte-target.js';
import { eachRow, takeChunks } from '../io/row-chunks.js';
import { countRows, detectFormat, openTableSource } from '../io/index.js';
import type { Row, TableFormat, TableSink, TableSource } from '../io/table.js';
import { OutputClosedError } from '../errors.js';
import { createProgress, type Progress } from '../progress/progress.js';
import { combineObservers } from '../report/combine-observers.js';
import type { Price } from '../report/price-table.js';
import { formatSummary, writeRunReport, type RunInfo } from '../report/run-report.js';
import type { RunStats } from '../report/run-stats.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { Interrupts } from './interrupts.js';
import { verboseLog } from './verbose-log.js';
import { inputStdin } from './batch-input.js';

/** A finished row as an engine yields it. */
export interface MappedTableRow<O> {
  row: Row;
  outcome: O;
}

/** What the engine of a command is given. */
export interface EngineWiring {
  /** The input rows (after --limit), one at a time; or iterate `chunks` instead, not both. */
  rows: AsyncIterable<Row>;
  /** The same rows in the source's chunks. */
  chunks: AsyncIterable<readonly Row[]>;
  observer: RunObserver;
  /** Hard stop: aborts calls in flight. */
  signal: AbortSignal;
  /** Soft stop: no new calls start. */
  stop: AbortSignal;
}

/** A running engine and what it holds open. */
export interface StartedEngine<O> {
  /** Finished rows in input order, as many at a time as are ready (an engine of single rows: inChunks). */
  mapped: AsyncIterable<readonly MappedTableRow<O>[]>;
  /** Closes the cache and the client; called on every path. */
  close(): Promise<void>;
}

/** What differs between the commands. */
export interface TableRunSpec<O extends { stopped?: boolean }> {
  settings: { input: string; limit?: number; quiet: boolean; verbose: boolean; graceMs: number; reportPath?: string };
  /** The input, in chunks (see chunksOf). */
  inputChunks: AsyncIterable<readonly Row[]>;
  inputFormat: TableFormat;
  sink: TableSink;
  cli: CliContext;
  stats: RunStats;
  runInfo: RunInfo;
  price?: Price & { source?: string };
  /** Opens the client and the cache and starts the engine on the rows. */
  start(wiring: EngineWiring): Promise<StartedEngine<O>>;
  /** The cells appended to an input row. */
  cells(outcome: O): unknown[];
  /** Observers that may ask for a stop themselves (--max-cost), given the run's interrupts. */
  stoppers?(interrupts: Interrupts): RunObserver[];
  /** The line explaining a stop the run asked for itself (not a signal). */
  ownStopLine?(): string;
}

/** The input table opened and both formats decided, from the --input/--output flags of run and embed. */
export async function openInput(
  config: { input: string; inputFormat?: string; output: string; outputFormat?: string; relaxColumnCount: boolean; parquet?: unknown; mode?: string },
  cli: CliContext,
): Promise<{ source: TableSource; inputFormat: TableFormat; outputFormat: TableFormat }> {
  const inputFormat = detectFormat(config.input, config.inputFormat, '--input-format');
  const outputFormat = detectFormat(config.output, config.outputFormat, '--output-format');
  if (config.parquet !== undefined && outputFormat !== 'parquet') {
    throw new UsageError(`--parquet-row-group-size and --parquet-compression apply to Parquet output only; the output is ${outputFormat}`);
  }
  // JSONL lines may differ in keys: a fixed-column output needs all of them as columns up front.
  const source = await openTableSource(
    { path: config.input, format: inputFormat, stdin: await inputStdin(config, cli) },
    { relaxColumnCount: config.relaxColumnCount, allKeys: outputFormat !== 'jsonl' },
  );
  return { source, inputFormat, outputFormat };
}

/** Runs the command's engine over the input into the sink; returns the exit code. */
export async function runTable<O extends { stopped?: boolean }>(spec: TableRunSpec<O>): Promise<number> {
  const { settings, sink, cli, stats } = spec;
  let progress: Progress | undefined;
  // Messages during the run go above the progress display, never into the middle of it.
  const say = (text: string): void => void (progress?.print ? progress.print(text) : cli.stderr.write(text));
  const interrupts = new Interrupts(cli, settings.graceMs, (line) => say(line + '\n'));
  let observer: RunObserver | undefined;
  let engine: StartedEngine<O> | undefined;
  let outcome: 'finished' | 'stopped' | 'pipe-closed' = 'finished';
  let partialPath: string | undefined;
  // The display starts inside the try: on a terminal its redraw timer keeps the process alive, so
  // only the finally's stop() may follow it, whatever throws.
  try {
    progress = settings.quiet ? undefined : createProgress({ stream: cli.stderr, stats });
    const observers: RunObserver[] = [stats];
    if (progress) observers.push(progress);
    if (settings.verbose) observers.push(verboseLog(say));
    observers.push(...(spec.stoppers?.(interrupts) ?? []));
    const all = (observer = combineObservers(...observers));
    // Only the progress display shows the total; counting reads the whole input a second time.
    if (progress && settings.input !== '-') {
      void countRows(settings.input, spec.inputFormat).then((n) => {
        all.onTotal?.(n === undefined || settings.limit === undefined ? n : Math.min(n, settings.limit));
      });
    }
    const chunks = settings.limit === undefined ? spec.inputChunks : takeChunks(spec.inputChunks, settings.limit);
    engine = await spec.start({ rows: eachRow(chunks), chunks, observer: all, signal: interrupts.abort, stop: interrupts.stop });
    // After a stop, rows are drained (so calls in flight finish and are cached) but only the
    // unbroken prefix of finished rows is written: a .partial file is always a true prefix.
    let prefixIntact = true;
    try {
      for await (const chunk of engine.mapped) {
        for (const { row, outcome: o } of chunk) {
          if (o.stopped) prefixIntact = false;
          if (!prefixIntact) continue;
          // Most writes need no waiting (DONE): an await each would cost a hop per row.
          const written = sink.write(row, spec.cells(o));
          if (written !== DONE) await written;
        }
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
    if (settings.reportPath) {
      const report = stats.report({ exitCode: EXIT.fatal, stopped: err.message, run: spec.runInfo, price: spec.price });
      await writeRunReport(settings.reportPath, report).catch(() => undefined);
    }
    throw new UsageError(err.message);
  } finally {
    interrupts.dispose();
    progress?.stop();
    observer?.onEnd?.();
    await engine?.close();
  }

  if (outcome === 'pipe-closed') return EXIT.ok;
  // A stop the run asked for (--max-cost) is not a signal: the run ended early, like failed rows.
  const exitCode =
    outcome === 'stopped'
      ? interrupts.stoppedBy === 'SIGTERM' ? EXIT.terminated : interrupts.stoppedBy ? EXIT.interrupted : EXIT.someRowsFailed
      : stats.snapshot().failed > 0 ? EXIT.someRowsFailed : EXIT.ok;
  const finalReport = stats.report({
    exitCode,
    stopped: interrupts.stoppedBy ? `signal ${interrupts.stoppedBy}` : interrupts.stopReason,
    run: spec.runInfo,
    price: spec.price,
  });
  if (settings.reportPath) await writeRunReport(settings.reportPath, finalReport);
  if (!settings.quiet) cli.stderr.write(formatSummary(finalReport) + '\n');
  if (outcome === 'stopped') {
    const why = interrupts.stoppedBy || !spec.ownStopLine ? `stopped by ${interrupts.stoppedBy}` : spec.ownStopLine();
    cli.stderr.write(`llmap: ${why}` + (partialPath ? `; the rows finished so far are in ${partialPath}\n` : '\n'));
  }
  return exitCode;
}
