/** Splits requests into batches no larger than a vendor allows, by count and by bytes. */

/** Packs lines into batches in order, a new batch whenever the next line would break a limit. */
export class BatchPacker {
  private inBatch = 0;
  private bytes = 0;
  /** Batches begun so far. */
  batches = 0;

  constructor(private readonly maxRequests: number, private readonly maxBytes: number) {}

  /** Adds a line of `size` bytes (its newline included); true when it begins a new batch. */
  add(size: number): boolean {
    const fresh = this.inBatch === 0 || this.inBatch >= this.maxRequests || this.bytes + size > this.maxBytes;
    if (fresh) {
      this.batches++;
      this.inBatch = 0;
      this.bytes = 0;
    }
    this.inBatch++;
    this.bytes += size;
    return fresh;
  }
}

/** Consecutive groups of `items`, each at most `maxRequests` lines and `maxBytes` bytes (newlines counted). */
export function splitBatches<T>(items: T[], lineOf: (item: T) => string, maxRequests: number, maxBytes: number): T[][] {
  const packer = new BatchPacker(maxRequests, maxBytes);
  const groups: T[][] = [];
  for (const item of items) {
    if (packer.add(Buffer.byteLength(lineOf(item)) + 1)) groups.push([]);
    groups[groups.length - 1].push(item);
  }
  return groups;
}
