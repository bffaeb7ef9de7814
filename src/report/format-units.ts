/** Number and time formatting shared by the summary and the progress lines (fixed en-US, not the user's locale, so logs diff cleanly). */

// Made on first use: building an Intl.NumberFormat loads ICU data, ~30 ms of start-up that a
// quiet run (-q) never needs.
let countFormatter: Intl.NumberFormat | undefined;
let oneDecimalFormatter: Intl.NumberFormat | undefined;
const countFormat = { format: (n: number) => (countFormatter ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(n) };
const oneDecimal = {
  format: (n: number) =>
    (oneDecimalFormatter ??= new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })).format(n),
};

/** A whole count with thousands separators: 12345 -> "12,345". */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** A rate: one decimal below 1,000/s (81.3), whole above (20,000). */
export function formatRate(perSecond: number): string {
  return perSecond >= 1000 ? countFormat.format(perSecond) : oneDecimal.format(perSecond);
}

/**
 * Dollars with cents, four decimals below a dollar where cents would read as free, and two
 * significant digits below a cent: $12.34, $0.0123, $0.0060, $0.000085.
 */
export function formatUsd(usd: number): string {
  if (usd >= 1) return `$${usd.toFixed(2)}`;
  if (usd === 0 || usd >= 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(Math.min(12, 1 - Math.floor(Math.log10(usd))))}`;
}

/** A price as given, at least to the cent: $0.15, $2.50, $1,000.00, $0.075; below a cent as formatUsd does ($0.0000001 is not "$0.00"). */
export function formatPrice(usd: number): string {
  if (usd > 0 && usd < 0.01) return formatUsd(usd);
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;
}

/** A duration for people: 850ms, 12.3s, 4m 05s, 1h 02m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 59_950) return `${oneDecimal.format(ms / 1000)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)}m ${pad2(totalSeconds % 60)}s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${pad2(totalMinutes % 60)}m`;
}

/** A coarse duration for ETAs (whole seconds): 47s, 3m 20s, 1h 05m. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  return formatDuration(s * 1000);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
