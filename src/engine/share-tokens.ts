/**
 * A batch request's token count shared out over its texts, in proportion to their length: the
 * server reports one total per request, while the report and the cache count per row.
 */
import type { Usage } from '../providers/provider.js';

/** Each text's share of `total` input tokens; the shares sum to `total` exactly. Empty usages when unknown. */
export function shareTokens(total: number | undefined, texts: readonly string[]): Usage[] {
  if (total === undefined) return texts.map(() => ({}));
  const chars = texts.reduce((sum, text) => sum + text.length, 0);
  const shares: Usage[] = [];
  let before = 0;
  let cumulative = 0;
  for (const text of texts) {
    cumulative += text.length;
    // Rounding the running total, not each share, keeps the sum exact.
    const upTo = chars === 0 ? Math.round((total * shares.length + total) / texts.length) : Math.round((total * cumulative) / chars);
    shares.push({ inputTokens: upTo - before });
    before = upTo;
  }
  return shares;
}
