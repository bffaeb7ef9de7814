/**
 * Calls in flight by key (a prompt or a text to embed, or its cache key), so identical ones share one.
 *
 * Entries are not deleted one by one: V8 gives a Map a new hash table every few dozen set/delete
 * pairs and links each replaced table to the next, and once one of them has been promoted that
 * link keeps every later table, with every row it points to, alive through young collections (see
 * IndexRing). A settled entry is emptied instead, and once the map has grown to twice what was in
 * flight at the last count (at least COMPACT_AT), the entries still in flight move to a new Map.
 * That bounds the emptied keys kept, and costs one pass per that many calls.
 */
const COMPACT_AT = 256;

/** One call's entry: its value until it settles. */
export interface InFlightEntry<V> {
  value: V | undefined;
}

export class InFlight<V> {
  private entries = new Map<string, InFlightEntry<V>>();
  private compactAt = COMPACT_AT;

  /** The value in flight under `key`, if any. */
  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Adds a call under `key` (none in flight there); empty the entry (`value = undefined`) once it settles. */
  add(key: string, value?: V): InFlightEntry<V> {
    if (this.entries.size >= this.compactAt) this.compact();
    const entry: InFlightEntry<V> = { value };
    this.entries.set(key, entry);
    return entry;
  }

  /** Entries held, in flight or emptied (for tests). */
  get held(): number {
    return this.entries.size;
  }

  private compact(): void {
    const kept = new Map<string, InFlightEntry<V>>();
    this.entries.forEach((entry, key) => {
      if (entry.value !== undefined) kept.set(key, entry);
    });
    this.entries = kept;
    this.compactAt = Math.max(COMPACT_AT, 2 * kept.size);
  }
}
