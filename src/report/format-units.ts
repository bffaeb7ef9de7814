/** Number and time formatting shared by the summary and the progress lines (fixed en-US, not the user's locale, so logs diff cleanly). */

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A whole count with thousands separators: 12345 -> "12,345". */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** A rate: one decimal below 1,000/s (81.3), whole above (20,000). */
export function formatRate(perSecond: number): string {
  return perSecond >= 1000 ? countFormat.format(perSecond) : oneDecimal.format(perSecond);
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
