/**
 * Values by consecutive index, taken in index order: what the ordered map holds between the next
 * item to yield and the last one started. A ring of slots that doubles when an index runs past it.
 *
 * Not a Map: V8 gives a Map a new hash table every few dozen set/delete pairs and links each
 * replaced table to the next. Once one replaced table has been promoted to the old generation, that
 * link keeps every later table, and every row they point to, alive through young collections until
 * the next full one. One set and one delete per row made scavenges three times as long.
 */
export class IndexRing<V> {
  private slots: Array<V | undefined>;
  private mask: number;
  /** The index `shift` takes next; no value is held below it. */
  private head = 0;
  /** Values held. */
  size = 0;

  constructor(capacity = 256) {
    let size = 1;
    while (size < capacity) size *= 2;
    this.slots = new Array<V | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  /** Holds `value` at `index` (at or past the head, not held yet). */
  set(index: number, value: V): void {
    while (index - this.head > this.mask) this.grow();
    this.slots[index & this.mask] = value;
    this.size++;
  }

  /** Whether the value at the head is held. */
  get ready(): boolean {
    return this.slots[this.head & this.mask] !== undefined;
  }

  /** Takes the value at the head and moves past it; undefined (staying put) when it is not held. */
  shift(): V | undefined {
    const at = this.head & this.mask;
    const value = this.slots[at];
    if (value === undefined) return undefined;
    this.slots[at] = undefined;
    this.head++;
    this.size--;
    return value;
  }

  private grow(): void {
    const old = this.slots;
    const oldMask = this.mask;
    this.slots = new Array<V | undefined>(old.length * 2).fill(undefined);
    this.mask = this.slots.length - 1;
    for (let index = this.head; index <= this.head + oldMask; index++) this.slots[index & this.mask] = old[index & oldMask];
  }
}
