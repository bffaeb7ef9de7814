import type { RunSnapshot } from '../report/run-stats.js';
import { formatCount, formatEta, formatUsd } from '../report/format-units.js';

/** Recent speeds, measured over a sliding window by the display. */
export interface ProgressRates {
  rowsPerSecond: number;
  requestsPerMinute: number;
}

/**
 * The status text of the plain lines (logs, CI), e.g.
 * `1,200/5,000 rows (24%) 81 rows/s, ETA 47s · 300 cached · 2 failed · tokens 12,345/3,456 · $0.0123 · 4,860 req/min · concurrency 12`.
 * The cost shows when the price is known; the pace part once the engine has started.
 */
export function formatProgressText(
  snap: RunSnapshot,
  total: number | undefined,
  rates: ProgressRates,
): string {
  const { rowsPerSecond } = rates;
  const rate = `${rowsPerSecond >= 10 ? formatCount(Math.round(rowsPerSecond)) : rowsPerSecond.toFixed(1)} rows/s`;
  let head: string;
  if (total === undefined) {
    head = `${formatCount(snap.done)} ${snap.done === 1 ? 'row' : 'rows'} ${rate}`;
  } else {
    const percent = total > 0 ? Math.min(100, Math.floor((snap.done * 100) / total)) : 100;
    const remaining = Math.max(0, total - snap.done);
    const eta = rowsPerSecond > 0 ? `, ETA ${formatEta(remaining / rowsPerSecond)}` : '';
    head = `${formatCount(snap.done)}/${formatCount(total)} rows (${percent}%) ${rate}${eta}`;
  }
  const counts = `${head} · ${formatCount(snap.cached)} cached · ${formatCount(snap.failed)} failed`;
  let full = `${counts} · tokens ${formatCount(snap.tokens.input)}/${formatCount(snap.tokens.output)}`;
  if (snap.cost !== undefined) full += ` · ${formatUsd(snap.cost)}`;
  if (snap.concurrency === undefined) return full;
  return `${full} · ${formatCount(Math.round(rates.requestsPerMinute))} req/min · concurrency ${snap.concurrency}`;
}
