import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { InputError } from '../errors.js';

const NEWLINE = 0x0a;

/**
 * A pass-through byte stream that fails with a one-line InputError (naming the line) on NUL bytes,
 * invalid UTF-8, or UTF-16 text (told apart by its byte-order mark). Parsers decode leniently (bad bytes become U+FFFD), which would corrupt data silently.
 */
export function createTextGuard(name: string): Transform {
  let lines = 1;
  let carry: Buffer | undefined;
  let first = true;

  const fail = (buf: Buffer, at: number, what: string): InputError =>
    new InputError(`${name}: line ${lines + countNewlines(buf, 0, at)}: ${what}`);

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      // Excel's "Unicode text" export is UTF-16 with a BOM; its NUL bytes would read as "binary".
      if (first && buf.length >= 2) {
        first = false;
        if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
          return callback(new InputError(`${name}: line 1: is UTF-16 text; save the file as UTF-8`));
        }
      }
      // A character split across chunks is checked once its last bytes arrive.
      const end = completeLength(buf);
      carry = end < buf.length ? Buffer.from(buf.subarray(end)) : undefined;
      buf = buf.subarray(0, end);
      const nul = buf.indexOf(0);
      if (nul !== -1) return callback(fail(buf, nul, 'contains a NUL byte; is this a binary file?'));
      if (!isUtf8(buf)) {
        return callback(fail(buf, firstInvalidUtf8(buf), 'is not valid UTF-8; save the file as UTF-8'));
      }
      lines += countNewlines(buf, 0, buf.length);
      callback(null, buf);
    },
    flush(callback: TransformCallback) {
      if (carry !== undefined) return callback(fail(carry, 0, 'is not valid UTF-8; save the file as UTF-8'));
      callback();
    },
  });
}

/** Number of '\n' bytes in buf[from, to). */
function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE, from); i !== -1 && i < to; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** Length of buf without a trailing, possibly incomplete, multi-byte sequence. */
function completeLength(buf: Buffer): number {
  const len = buf.length;
  for (let back = 1; back <= 3 && back <= len; back++) {
    const byte = buf[len - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (only called when there is one). */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const byte = buf[i];
    const need = byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0;
    if (need === 0 || i + need > buf.length || !isUtf8(buf.subarray(i, i + need))) return i;
    i += need;
  }
  return buf.length;
}
