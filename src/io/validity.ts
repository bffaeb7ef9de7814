/**
 * The validity of a batch's values as they are appended: nothing kept until the first null, then a
 * flag per value. The bitmap is sized as apache-arrow's Builder sizes its bitmaps (a multiple of 64
 * bytes): the IPC writer writes a bitmap whole, so the output bytes stay what they were.
 */
export class Validity {
  private flags: boolean[] | undefined;
  private count = 0;
  /** Nulls among the values so far. */
  nulls = 0;

  push(valid: boolean): void {
    if (!valid && this.flags === undefined) this.flags = new Array<boolean>(this.count).fill(true);
    this.flags?.push(valid);
    this.count++;
    if (!valid) this.nulls++;
  }

  /** The validity bitmap (undefined when there are no nulls); starts over for the next batch. */
  take(): Uint8Array | undefined {
    const { flags, count } = this;
    this.flags = undefined;
    this.count = 0;
    this.nulls = 0;
    return flags === undefined ? undefined : bitmap(count, (k) => flags[k]);
  }
}

/** A bitmap of `length` bits, bit k set when `set(k)`, sized as the Builder sizes one. */
export function bitmap(length: number, set: (k: number) => boolean): Uint8Array {
  const bits = new Uint8Array(((((length + 7) >> 3) + 63) & ~63) || 64);
  for (let k = 0; k < length; k++) if (set(k)) bits[k >> 3] |= 1 << (k & 7);
  return bits;
}
