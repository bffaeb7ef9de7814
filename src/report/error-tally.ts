/** Counts row errors by message in a bounded map, so a run with a unique message per row stays small. */

/** One kind of error and how many rows ended in it. */
export interface ErrorCount {
  message: string;
  count: number;
  /** The first few rows that ended in it: row numbers, 1 = the first data row of the input. */
  rows: number[];
}

// Example rows kept per message: enough to go and look, few enough for a million failures.
const EXAMPLE_ROWS = 3;

/** The bucket for messages seen after the map is full. */
export const OTHER_ERRORS = '(other errors)';

// Long messages (a server echoing the prompt back) would bloat the map and the report.
const MAX_MESSAGE_LENGTH = 200;

/** Error counts by message, at most `maxKinds` distinct messages (later new ones are lumped together). */
export class ErrorTally {
  private readonly counts = new Map<string, { count: number; rows: number[] }>();

  constructor(private readonly maxKinds = 100) {}

  /** Counts one occurrence of `message`, on the row at 0-based input index `index` when given. */
  add(message: string, index?: number): void {
    let key = message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
    if (!this.counts.has(key) && this.counts.size >= this.maxKinds) key = OTHER_ERRORS;
    let entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, (entry = { count: 0, rows: [] }));
    entry.count++;
    if (index !== undefined && entry.rows.length < EXAMPLE_ROWS) entry.rows.push(index + 1);
  }

  /** The `n` most frequent messages, most frequent first (ties by message, for stable output). */
  top(n: number): ErrorCount[] {
    return [...this.counts]
      .map(([message, { count, rows }]) => ({ message, count, rows: [...rows] }))
      .sort((a, b) => b.count - a.count || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
      .slice(0, n);
  }

  /** Number of distinct messages held. */
  get size(): number {
    return this.counts.size;
  }
}
