import { makeData, Utf8, type Data } from 'apache-arrow';
import { Validity } from './validity.js';

const encoder = new TextEncoder();

/**
 * A Utf8 column built a batch at a time without apache-arrow's per-value Builder (which encodes,
 * copies and grows its buffers once per value): the batch's strings are kept, then encoded as one
 * joined string. The bytes are the Builder's, TextEncoder's: an unpaired surrogate becomes U+FFFD
 * (EF BF BD), each string on its own (two strings never pair up across their boundary).
 * null and undefined are null.
 */
export class Utf8Column {
  private readonly type = new Utf8();
  private strings: string[] = [];
  private readonly validity = new Validity();
  /** Characters appended since the last flush: what the pending strings hold, about their UTF-8 size. */
  chars = 0;

  append(value: unknown): void {
    if (value === null || value === undefined) {
      this.validity.push(false);
      this.strings.push('');
      return;
    }
    // What the Builder's TextEncoder makes of a value that is not a string: its String().
    const text = typeof value === 'string' ? value : String(value);
    this.strings.push(text);
    this.chars += text.length;
    this.validity.push(true);
  }

  /** The values appended since the last flush, as one Data; the column starts empty again. */
  flush(): Data<Utf8> {
    const { strings, validity } = this;
    this.strings = [];
    this.chars = 0;
    const nullCount = validity.nulls;
    const nullBitmap = validity.take();
    const [valueOffsets, data] = encodeAll(strings);
    return makeData({ type: this.type, length: strings.length, nullCount, valueOffsets, data, nullBitmap });
  }
}

/** The UTF-8 bytes of `strings` one after another, and where each starts (and the last ends). */
function encodeAll(strings: string[]): [Int32Array, Uint8Array] {
  const offsets = new Int32Array(strings.length + 1);
  const joined = strings.join('');
  const size = Buffer.byteLength(joined, 'utf8');
  // As many bytes as characters: all ASCII, so each string's bytes are its characters.
  if (size === joined.length) {
    let at = 0;
    for (let k = 0; k < strings.length; k++) offsets[k + 1] = at += strings[k].length;
    return [offsets, encoded(joined, size)];
  }
  let at = 0;
  for (let k = 0; k < strings.length; k++) offsets[k + 1] = at += Buffer.byteLength(strings[k], 'utf8');
  // The same total: no surrogate pair formed across two strings, so the joined bytes are theirs.
  if (at === size) return [offsets, encoded(joined, size)];
  const bytes = new Uint8Array(at);
  for (let k = 0; k < strings.length; k++) encoder.encodeInto(strings[k], bytes.subarray(offsets[k]));
  return [offsets, bytes];
}

/** `text` encoded into a buffer of its own (not a slice of Node's shared pool). */
function encoded(text: string, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  encoder.encodeInto(text, bytes);
  return bytes;
}
