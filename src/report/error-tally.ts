/** Counts row errors by message in a bounded map, so a run with a unique message per row stays small. */

/** One kind of error and how many rows ended in it. */
export interface ErrorCount {
  message: string;
  count: number;
}

/** The bucket for messages seen after the map is full. */
export const OTHER_ERRORS = '(other errors)';

// Long messages (a server echoing the prompt back) would bloat the map and the report.
const MAX_MESSAGE_LENGTH = 200;

/** Error counts by message, at most `maxKinds` distinct messages (later new ones are lumped together). */
export class ErrorTally {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxKinds = 100) {}

  /** Counts one occurrence of `message`. */
  add(message: string): void {
    let key = message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
    if (!this.counts.has(key) && this.counts.size >= this.maxKinds) key = OTHER_ERRORS;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** The `n` most frequent messages, most frequent first (ties by message, for stable output). */
  top(n: number): ErrorCount[] {
    return [...this.counts]
      .map(([message, count]) => ({ message, count }))
      .sort((a, b) => b.count - a.count || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
      .slice(0, n);
  }

  /** Number of distinct messages held. */
  get size(): number {
    return this.counts.size;
  }
}
