/**
 * The run report as one self-contained HTML page: the figures and tables written here, the charts
 * drawn in the browser by uPlot (inlined from node_modules, about 50 KB) from the report's own JSON,
 * embedded in the page. Nothing is fetched when the page is viewed, and a Content-Security-Policy
 * says so to the browser.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCount, formatDuration, formatPrice, formatRate, formatUsd } from './format-units.js';
import { safeRunInfo, type RunReport } from './run-report.js';

// The page's own script and style live beside the package's code, in assets/.
const ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../assets');

/** The page for `report` (its `series` draws the charts). */
export async function renderHtmlReport(report: RunReport): Promise<string> {
  const uplotDir = path.dirname(createRequire(import.meta.url).resolve('uplot'));
  const [uplotJs, uplotCss, pageJs, pageCss] = await Promise.all([
    readFile(path.join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
    readFile(path.join(uplotDir, 'uPlot.min.css'), 'utf8'),
    readFile(path.join(ASSETS, 'report-page.js'), 'utf8'),
    readFile(path.join(ASSETS, 'report-page.css'), 'utf8'),
  ]);
  // A report read back from a file may come from anywhere: the settings are filtered again.
  const safe: RunReport = { ...report, run: safeRunInfo(report.run) };
  const title = `llmap run ${report.startedAt}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${uplotCss}</style>
<style>${pageCss}</style>
</head>
<body>
<h1>llmap run report</h1>
<p class="sub">${escapeHtml(subtitle(safe))}</p>
${report.stopped !== undefined ? `<p class="stopped">Stopped: ${escapeHtml(report.stopped)}</p>` : ''}
${figures(safe)}
<h2>Charts</h2>
${charts()}
<h2>Errors</h2>
${errorsTable(safe)}
<h2>Settings</h2>
${settingsTable(safe)}
<script type="application/json" id="report-data">${jsonForScript(safe)}</script>
<script>${uplotJs}</script>
<script>${pageJs}</script>
</body>
</html>
`;
}

function subtitle(r: RunReport): string {
  const model = [r.run.provider, r.run.model].filter((v) => v !== undefined && v !== null).join(' ');
  return `${model ? `${model} · ` : ''}${r.startedAt} to ${r.finishedAt} (${formatDuration(r.durationMs)}) · exit code ${r.exitCode}`;
}

/** The key numbers; each cell carries its JSON path and raw value so a reader (or a test) can check it against the JSON. */
function figures(r: RunReport): string {
  const cells: Array<[string, string, number | null, string]> = [
    ['rows', 'rows.total', r.rows.total, formatCount(r.rows.total)],
    ['sent', 'rows.sent', r.rows.sent, formatCount(r.rows.sent)],
    ['cached', 'rows.cached', r.rows.cached, formatCount(r.rows.cached)],
    ['skipped', 'rows.skipped', r.rows.skipped, formatCount(r.rows.skipped)],
    ['failed', 'rows.failed', r.rows.failed, formatCount(r.rows.failed)],
    ['requests', 'requests', r.requests, formatCount(r.requests)],
    ['retries', 'retries', r.retries, formatCount(r.retries)],
    ['rate-limited (429)', 'rateLimited', r.rateLimited, formatCount(r.rateLimited)],
    ['rows/s', 'rowsPerSecond', r.rowsPerSecond, formatRate(r.rowsPerSecond)],
    ['requests/min', 'requestsPerMinute', r.requestsPerMinute, formatRate(r.requestsPerMinute)],
    ['input tokens', 'tokens.input', r.tokens.input, formatCount(r.tokens.input)],
    ['output tokens', 'tokens.output', r.tokens.output, formatCount(r.tokens.output)],
  ];
  if (r.cost !== undefined) cells.push(['cost', 'cost', r.cost, formatUsd(r.cost)]);
  if (r.latencyMs) {
    cells.push(['latency p50', 'latencyMs.p50', r.latencyMs.p50, `${r.latencyMs.p50} ms`]);
    cells.push(['latency p95', 'latencyMs.p95', r.latencyMs.p95, `${r.latencyMs.p95} ms`]);
  }
  if (r.concurrency) {
    cells.push(['concurrency min', 'concurrency.min', r.concurrency.min, String(r.concurrency.min)]);
    cells.push(['concurrency max', 'concurrency.max', r.concurrency.max, String(r.concurrency.max)]);
  }
  const html = cells.map(
    ([label, field, value, text]) =>
      `<div class="figure"><div class="v" data-field="${field}" data-value="${value}">${escapeHtml(text)}</div><div class="k">${escapeHtml(label)}</div></div>`,
  );
  return `<div class="figures">${html.join('\n')}</div>`;
}

// Each chart: its element id, title, and how to read it.
const CHARTS: Array<[string, string, string]> = [
  ['chart-rows', 'Rows done', 'Rows finished so far against a steady pace from start to end. Below the dashed line the run was slower than its average (a hold, a slow start); a flat stretch is a wait.'],
  ['chart-requests', 'Requests, 429s and 5xx per second', 'Requests sent (retries included), and the ones the server refused (429) or failed (5xx). 429s mean the pace is above the server’s limit; llmap then slows down.'],
  ['chart-concurrency', 'Concurrency limit', 'How many calls llmap allowed in flight. It grows while answers come back and halves on overload (503/529, 429s without a stated limit, climbing latency).'],
  ['chart-latency', 'Latency p50 and p95', 'Median and 95th percentile time of the rows answered in each interval. A p95 climbing while the p50 holds is a slow tail; both climbing is a queue at the server.'],
  ['chart-histogram', 'Latency histogram', 'Rows by answer time, in bins that double every four steps. Two humps mean two kinds of answers (short and long, or retried).'],
  ['chart-tokens', 'Tokens and cost, cumulative', 'Input and output tokens spent (cached rows cost none), and the cost at the report’s price when one is known (right axis).'],
  ['chart-cache', 'Rows per second: sent, cached, failed', 'Where answers came from: the provider (sent) or the cache. A re-run of a finished table is all cached; failed rows are retried by the next run.'],
];

function charts(): string {
  return CHARTS.map(
    ([id, title, how]) =>
      `<figure class="chart" id="${id}"><figcaption><b>${escapeHtml(title)}</b><span>${escapeHtml(how)}</span></figcaption><div class="plot"></div></figure>`,
  ).join('\n');
}

function errorsTable(r: RunReport): string {
  if (r.errors.length === 0) return '<p>No row failed.</p>';
  const rows = r.errors.map(
    (e) =>
      `<tr><td class="num">${formatCount(e.count)}</td><td class="msg">${escapeHtml(e.message)}</td><td>${escapeHtml((e.rows ?? []).join(', '))}</td></tr>`,
  );
  return `<table class="errors"><tr><th>rows</th><th>error</th><th>example rows (1 = first data row)</th></tr>\n${rows.join('\n')}</table>`;
}

function settingsTable(r: RunReport): string {
  const rows: Array<[string, string]> = Object.entries(r.run).map(([k, v]) => [k, v === null ? '(none)' : String(v)]);
  if (r.price) {
    const source = r.price.source !== undefined ? `, from the ${r.price.source}` : '';
    rows.push(['price', `${formatPrice(r.price.input)} in / ${formatPrice(r.price.output)} out per million tokens${source}`]);
  }
  rows.push(['points', `${r.series.t.length}, ${formatDuration(r.series.intervalMs)} each`]);
  return `<table class="settings">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}</table>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Inside <script>, only "</script" (and "<!--") could end the JSON early; escaping every "<" covers both.
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
