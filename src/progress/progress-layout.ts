/**
 * The terminal progress display as lines that fit a width: the bar with rows, percent, rate and ETA
 * on the first line, the run's other counters below, and what the run is waiting for during a long
 * hold. Fields are dropped whole, least important first, so a line never wraps or ends mid-word.
 */
import type { RunSnapshot } from '../report/run-stats.js';
import { formatCount, formatEta, formatUsd } from '../report/format-units.js';
import type { ProgressRates } from './progress-line.js';

/** What the display shows at one instant. */
export interface ProgressView {
  label: string;
  snap: RunSnapshot;
  /** Input rows, when known. */
  total: number | undefined;
  rates: ProgressRates;
  /** A hold in progress: what the run waits for and how long is left. */
  waiting?: { what: string; leftMs: number };
}

/** A piece of a line: its text, how it joins the piece before it, and how much it matters (0 = most). */
interface Field {
  text: string;
  sep: string;
  rank: number;
}

// The bar is drawn only when it can be at least this wide; it never grows past BAR_MAX.
const BAR_MIN = 10;
const BAR_MAX = 40;
const FILLED = '\u2588';
const EMPTY = '\u2591';
const INDENT = '  ';

/** The lines to draw for `view` on a terminal `width` columns wide; none is longer than `width`. */
export function layoutProgress(view: ProgressView, width: number): string[] {
  const lines = [headLine(view, width)];
  const counters = fit(counterFields(view), width - INDENT.length);
  if (counters) lines.push(INDENT + counters);
  if (view.waiting) {
    const wait = waitingText(view.waiting, width - INDENT.length);
    if (wait) lines.push(INDENT + wait);
  }
  return lines;
}

/** `llmap ████░░░░ 120/400 rows (30%) · 37 rows/s · ETA 8s`, the bar taking the room the fields leave. */
function headLine(view: ProgressView, width: number): string {
  const { snap, total, rates } = view;
  const rate = `${formatPerSecond(rates.rowsPerSecond)} rows/s`;
  const fields: Field[] = [];
  if (total === undefined) {
    fields.push({ text: `${formatCount(snap.done)} ${snap.done === 1 ? 'row' : 'rows'}`, sep: ' ', rank: 0 });
  } else {
    const percent = total > 0 ? Math.min(100, Math.floor((snap.done * 100) / total)) : 100;
    fields.push({ text: `${formatCount(snap.done)}/${formatCount(total)} rows`, sep: ' ', rank: 0 });
    fields.push({ text: `(${percent}%)`, sep: ' ', rank: 1 });
  }
  fields.push({ text: rate, sep: ' · ', rank: 2 });
  if (total !== undefined && rates.rowsPerSecond > 0) {
    fields.push({ text: `ETA ${formatEta(Math.max(0, total - snap.done) / rates.rowsPerSecond)}`, sep: ' · ', rank: 3 });
  }
  const labelled = [{ text: view.label, sep: ' ', rank: 4 }, ...fields];
  const text = fit(labelled, width);
  if (total === undefined || !text.startsWith(view.label + ' ')) return text;
  // The bar goes between the label and the counts, as wide as the room left allows.
  const room = width - text.length - 1;
  if (room < BAR_MIN) return text;
  const fraction = total > 0 ? Math.min(1, snap.done / total) : 1;
  return `${view.label} ${bar(fraction, Math.min(BAR_MAX, room))}${text.slice(view.label.length)}`;
}

/** `12 cached · 0 failed · tokens 1,234/567 · $0.0123 · 4,860 req/min · concurrency 12 · 3 × 429`. */
function counterFields(view: ProgressView): Field[] {
  const { snap, rates } = view;
  const sep = ' · ';
  const fields: Field[] = [
    { text: `${formatCount(snap.cached)} cached`, sep, rank: 1 },
    { text: `${formatCount(snap.failed)} failed`, sep, rank: 0 },
    { text: `tokens ${formatCount(snap.tokens.input)}/${formatCount(snap.tokens.output)}`, sep, rank: 6 },
  ];
  if (snap.cost !== undefined) fields.push({ text: formatUsd(snap.cost), sep, rank: 2 });
  // The pace means something only once the engine has started.
  if (snap.concurrency !== undefined) {
    fields.push({ text: `${formatCount(Math.round(rates.requestsPerMinute))} req/min`, sep, rank: 4 });
    fields.push({ text: `concurrency ${snap.concurrency}`, sep, rank: 3 });
    fields.push({ text: `${formatCount(snap.rateLimited)} × 429`, sep, rank: 5 });
  }
  return fields;
}

/** The longest wording of the wait that fits: `waiting 12s for the server's retry-after (429); every row is held`. */
function waitingText(waiting: { what: string; leftMs: number }, width: number): string {
  const left = formatEta(waiting.leftMs / 1000);
  const wordings = [`waiting ${left} for ${waiting.what}; every row is held`, `waiting ${left} for ${waiting.what}`, `waiting ${left}`];
  return wordings.find((w) => w.length <= width) ?? '';
}

/**
 * The most important fields that fit in `width`, in their own order: fields are admitted by rank
 * while the line still fits, so a less important field never pushes out a more important one.
 */
function fit(fields: Field[], width: number): string {
  const byRank = fields.map((f, i) => ({ f, i })).sort((a, b) => a.f.rank - b.f.rank || a.i - b.i);
  const kept = new Set<number>();
  for (const { i } of byRank) {
    kept.add(i);
    if (join(fields, kept).length > width) kept.delete(i);
  }
  return join(fields, kept);
}

function join(fields: Field[], kept: Set<number>): string {
  let out = '';
  fields.forEach((f, i) => {
    if (kept.has(i)) out += out === '' ? f.text : f.sep + f.text;
  });
  return out;
}

function bar(fraction: number, size: number): string {
  const filled = Math.round(fraction * size);
  return FILLED.repeat(filled) + EMPTY.repeat(size - filled);
}

function formatPerSecond(perSecond: number): string {
  return perSecond >= 10 ? formatCount(Math.round(perSecond)) : perSecond.toFixed(1);
}
