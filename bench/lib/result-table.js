/**
 * The one table every benchmark prints its part of: measure, llmap, baseline, ratio, target, met?.
 * Columns have fixed minimum widths, so the parts bench/run.js prints one after another line up.
 */

const HEADER = ['measure', 'llmap', 'baseline', 'ratio', 'target', 'met?'];
const MIN_WIDTHS = [62, 15, 15, 7, 9, 4];

/**
 * One result row. `ratio` and `met` are worked out from the numbers: `target` bounds llmap ÷
 * baseline (`judge: 'ratio'`, the default when there is a baseline) or llmap's own figure
 * (`judge: 'llmap'`, e.g. a memory ceiling), from below when `higherIsBetter`, else from above.
 * `format` turns a number into its cell text (with unit); `targetText` overrides the target cell.
 */
export function resultRow({ measure, llmap, baseline, target, higherIsBetter = true, format = String, targetText, judge }) {
  const ratio = baseline === undefined || llmap === undefined ? undefined : llmap / baseline;
  const judged = (judge ?? (baseline === undefined ? 'llmap' : 'ratio')) === 'llmap' ? llmap : ratio;
  const met =
    target === undefined || judged === undefined ? '-' : (higherIsBetter ? judged >= target : judged <= target) ? 'yes' : 'NO';
  return [
    measure,
    llmap === undefined ? 'n/a' : format(llmap),
    baseline === undefined ? '-' : format(baseline),
    ratio === undefined ? '-' : ratio.toFixed(2),
    targetText ?? (target === undefined ? '-' : `${higherIsBetter ? '≥' : '≤'} ${target}`),
    met,
  ];
}

/** A row of text only (a note, or a figure with no target), under the same columns. */
export function noteRow(measure, llmap = '', baseline = '') {
  return [measure, llmap, baseline, '', '', ''];
}

/** The part of the table one benchmark prints: its title, the header and its rows. */
export function formatResults(title, rows) {
  const all = [HEADER, ...rows].map((r) => r.map(String));
  const widths = HEADER.map((_, i) => Math.max(MIN_WIDTHS[i], ...all.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  return [title, line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n') + '\n';
}

/** `1234.5` as `1,235 rows/s`. */
export const perSecond = (unit) => (n) => `${Math.round(n).toLocaleString('en-US')} ${unit}/s`;

/** Megabytes, one decimal. */
export const megabytes = (n) => `${n.toFixed(1)} MB`;

/** Milliseconds, one decimal. */
export const millis = (n) => `${n.toFixed(1)} ms`;

/** A peak-memory row: llmap's peak RSS (MB) against a ceiling, next to a baseline's when given. */
export function memoryRow(measure, llmapMb, baselineMb, ceilingMb) {
  return resultRow({ measure, llmap: llmapMb, baseline: baselineMb, format: megabytes, target: ceilingMb, higherIsBetter: false, targetText: `≤ ${ceilingMb} MB`, judge: 'llmap' });
}
