/** The final run report: its JSON shape (written with --report) and the human summary for stderr. */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { UsageError, describeError } from '../errors.js';
import type { ErrorCount } from './error-tally.js';
import { formatCount, formatDuration, formatPrice, formatRate, formatUsd } from './format-units.js';
import type { LatencySummary } from './latency-histogram.js';
import type { RunSeriesReport } from './run-series.js';

export type { ErrorCount } from './error-tally.js';
export type { LatencySummary } from './latency-histogram.js';

/** Token counts: `input`/`output` were spent in this run; `cached*` were answered from the cache (saved). */
export interface TokenCounts {
  input: number;
  output: number;
  cachedInput: number;
  cachedOutput: number;
}

/** The adaptive concurrency limit over a run. */
export interface ConcurrencyRange {
  /** Highest limit reached. */
  max: number;
  /** Limit at the end. */
  final: number;
  /** Lowest limit reached. */
  min: number;
}

/** What the caller says about the run (provider, model, input, output paths...). Never secrets. */
export type RunInfo = Record<string, string | number | boolean | null>;

/** The JSON report of one run. Bump `llmapReport` when a field changes meaning or goes away. */
export interface RunReport {
  /** Format version of this object. */
  llmapReport: 1;
  /** Caller-given context: provider, model, input, output. */
  run: RunInfo;
  /** ISO time the run started. */
  startedAt: string;
  /** ISO time the run ended. */
  finishedAt: string;
  /** Wall time of the run in ms. */
  durationMs: number;
  /** Rows by outcome; `total` is the number of rows done (less than the input when stopped). */
  rows: { total: number; sent: number; cached: number; skipped: number; failed: number };
  /** Provider calls made, every attempt included. */
  requests: number;
  /** Attempts that were retries. */
  retries: number;
  /** Typed runs: invalid answers asked for again (each also counts as a request). */
  schemaRetries?: number;
  /** Requests the server refused with 429 (rate limited). */
  rateLimited: number;
  /** Requests per minute of wall time. */
  requestsPerMinute: number;
  /** The adaptive concurrency limit; null when no row reached the engine. */
  concurrency: ConcurrencyRange | null;
  tokens: TokenCounts;
  /** US dollars spent on this run's input and output tokens at `price`; absent when no price is known. */
  cost?: number;
  /** The price `cost` was computed at: US dollars per million tokens, and where it comes from ("profile", "built-in table (as of DATE)", "local server"). */
  price?: { input: number; output: number; source?: string };
  /** Latency of sent rows in ms; null when no row was sent. */
  latencyMs: LatencySummary | null;
  /** Rows done per second of wall time. */
  rowsPerSecond: number;
  /** The most frequent row errors, most frequent first (at most 5). */
  errors: ErrorCount[];
  /** The process exit code the CLI chose. */
  exitCode: number;
  /** Why the run stopped before the end of the input, if it did. */
  stopped?: string;
  /** What happened second by second (coarser for long runs): what the HTML report draws. */
  series: RunSeriesReport;
}

// Field names that would carry credentials; a report is shared in tickets and CI artifacts.
const SECRET_NAME = /api[-_]?key|secret|passw(or)?d|authorization|bearer|credential|access[-_]?token|auth[-_]?token/i;

/** `run` without any field whose name looks like a credential. */
export function safeRunInfo(run: RunInfo): RunInfo {
  const out: RunInfo = {};
  for (const [name, value] of Object.entries(run)) {
    if (!SECRET_NAME.test(name)) out[name] = value;
  }
  return out;
}

/** The human summary printed on stderr at the end of a run (no trailing newline). */
export function formatSummary(report: RunReport): string {
  const { rows } = report;
  const lines = [
    `llmap: ${formatCount(rows.total)} ${plural(rows.total, 'row', 'rows')} in ${formatDuration(report.durationMs)}` +
      ` (${formatRate(report.rowsPerSecond)} rows/s): ${formatCount(rows.sent)} sent, ${formatCount(rows.cached)} cached,` +
      ` ${formatCount(rows.skipped)} skipped, ${formatCount(rows.failed)} failed`,
  ];
  if (report.stopped !== undefined) lines.push(`  stopped: ${report.stopped}`);

  const details = [
    `requests ${formatCount(report.requests)} (${formatCount(report.retries)} ${plural(report.retries, 'retry', 'retries')}` +
      (report.schemaRetries === undefined ? ')' : `, ${formatCount(report.schemaRetries)} schema ${plural(report.schemaRetries, 'retry', 'retries')})`),
    `tokens in ${formatCount(report.tokens.input)} / out ${formatCount(report.tokens.output)}`,
  ];
  if (report.cost !== undefined) details.push(`cost ${formatUsd(report.cost)}`);
  if (report.tokens.cachedInput > 0 || report.tokens.cachedOutput > 0) {
    details.push(
      `saved by cache in ${formatCount(report.tokens.cachedInput)} / out ${formatCount(report.tokens.cachedOutput)}`,
    );
  }
  if (report.latencyMs) {
    details.push(`latency p50 ${formatLatency(report.latencyMs.p50)} p95 ${formatLatency(report.latencyMs.p95)}`);
  }
  lines.push(`  ${details.join(' · ')}`);
  if (report.price !== undefined && report.price.source !== undefined) {
    const { input, output, source } = report.price;
    lines.push(`  price ${formatPrice(input)} in / ${formatPrice(output)} out per million tokens, from the ${source}`);
  }
  if (report.concurrency && report.requests > 0) {
    const c = report.concurrency;
    lines.push(
      `  pace ${formatCount(Math.round(report.requestsPerMinute))} requests/min · concurrency ${c.final} (min ${c.min}, max ${c.max})` +
        ` · ${formatCount(report.rateLimited)} rate-limited (429)`,
    );
  }

  const counts = report.errors.map((e) => formatCount(e.count));
  const width = Math.max(0, ...counts.map((c) => c.length));
  report.errors.forEach((e, i) => {
    const head = i === 0 ? '  errors: ' : '          ';
    lines.push(`${head}${counts[i].padStart(width)} × ${e.message}`);
  });
  return lines.join('\n');
}

/** Writes `report` (a run's, or a dry run's) as JSON to `path` atomically (temp file in the same folder, then rename). */
export async function writeReportFile(path: string, report: object): Promise<void> {
  await writeTextAtomically(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** Whether `path` names an HTML report (by its extension). */
export function isHtmlReportPath(path: string): boolean {
  return /\.html?$/i.test(path);
}

/** Writes a run's report to `path`: the page of charts for `.html`/`.htm`, JSON otherwise. */
export async function writeRunReport(path: string, report: RunReport): Promise<void> {
  if (!isHtmlReportPath(path)) return writeReportFile(path, report);
  // Loaded only for an HTML report: it reads the chart library from disk.
  const { renderHtmlReport } = await import('./html-report.js');
  await writeTextAtomically(path, await renderHtmlReport(report));
}

async function writeTextAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw new UsageError(`cannot write the run report to ${path}: ${describeError(err)}; check the report path`);
  }
}

function formatLatency(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : formatDuration(ms);
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
