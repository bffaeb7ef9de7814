/** Splits requests into batches no larger than a vendor allows, by count and by bytes. */

/** Consecutive groups of `lines`, each at most `maxRequests` lines and `maxBytes` bytes (newlines counted). */
export function splitBatches<T>(items: T[], lineOf: (item: T) => string, maxRequests: number, maxBytes: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(lineOf(item)) + 1;
    if (group.length > 0 && (group.length >= maxRequests || bytes + size > maxBytes)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
