/**
 * Utf8 cells read from their bytes: all-ASCII columns are decoded a batch at a time, the rest a cell
 * at a time; either way each cell is what a TextDecoder makes of its own bytes (invalid UTF-8
 * included, a leading BOM kept).
 */
import { LargeUtf8, makeData, Utf8, type Data } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderingOf } from '../../src/io/arrow-renderings.js';

/** A Utf8 (or LargeUtf8) column of the given cells' bytes; null cells are null. */
function column(cells: Array<number[] | null>, large = false): Data {
  const offsets = [0];
  for (const cell of cells) offsets.push(offsets.at(-1)! + (cell?.length ?? 0));
  const nulls = cells.filter((cell) => cell === null).length;
  const bitmap = new Uint8Array((cells.length + 7) >> 3);
  cells.forEach((cell, k) => cell !== null && (bitmap[k >> 3] |= 1 << (k & 7)));
  return makeData({
    type: large ? new LargeUtf8() : new Utf8(),
    length: cells.length,
    nullCount: nulls,
    nullBitmap: nulls > 0 ? bitmap : undefined,
    valueOffsets: large ? BigInt64Array.from(offsets, BigInt) : Int32Array.from(offsets),
    data: Uint8Array.from(cells.flatMap((cell) => cell ?? [])),
  } as never) as Data;
}

const bytes = (text: string): number[] => [...Buffer.from(text, 'utf8')];

/** Each cell's own bytes through a fresh decoder: what a cell must read as. */
function expected(cells: Array<number[] | null>): string[] {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return cells.map((cell) => (cell === null ? '' : decoder.decode(Uint8Array.from(cell))));
}

const texts = (data: Data): string[] => {
  const { text } = renderingOf(data.type);
  return Array.from({ length: data.length }, (_, i) => text(data, i));
};

describe('Utf8 cell text', () => {
  it('an ASCII column, NUL and control bytes included, nulls as empty text; Utf8 and LargeUtf8', () => {
    const cells = [bytes('Review 1: fine'), null, bytes(''), [0, 9, 10, 13, 0x7f], bytes('"q", {{x}}')];
    for (const large of [false, true]) expect(texts(column(cells, large))).toEqual(['Review 1: fine', '', '', '\u0000\t\n\r\u007f', '"q", {{x}}']);
    expect(renderingOf(new Utf8()).json(column(cells), 4)).toBe('"\\"q\\", {{x}}"');
  });

  it('invalid UTF-8 reads as each cell decoded alone: a character split over two cells is two U+FFFD', () => {
    const euro = bytes('€');
    const cells = [[0x61, 0xff], [0xc0, 0xaf], euro.slice(0, 2), euro.slice(2), [0xed, 0xa0, 0x80], [0xef, 0xbb, 0xbf, 0x61], bytes('plain')];
    expect(texts(column(cells))).toEqual(['a\uFFFD', '\uFFFD\uFFFD', '\uFFFD', '\uFFFD', '\uFFFD\uFFFD\uFFFD', '\uFEFFa', 'plain']);
    expect(texts(column(cells, true))).toEqual(expected(cells));
  });

  it('sliced columns, and cells of two batches read in turn', () => {
    const a = column([bytes('a0 long enough to slice'), bytes('a1'), bytes('a2 also long enough')]);
    const b = column([bytes('b0'), [0xff], bytes('b2')]);
    const { text } = renderingOf(new Utf8());
    expect([text(a, 0), text(b, 0), text(a, 1), text(b, 1), text(a, 2), text(b, 2)]).toEqual(['a0 long enough to slice', 'b0', 'a1', '\uFFFD', 'a2 also long enough', 'b2']);
    expect(texts(a.slice(1, 2))).toEqual(['a1', 'a2 also long enough']);
    expect(texts(b.slice(2, 1))).toEqual(['b2']);
  });

  it('any bytes, cut into cells anywhere, read as each cell decoded alone', () => {
    const cell = fc.option(
      fc.oneof(
        fc.array(fc.integer({ min: 0, max: 0x7f }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 0xff }), { maxLength: 12 }),
        fc.string({ unit: 'grapheme', maxLength: 6 }).map(bytes),
      ),
    );
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 30 }), fc.boolean(), (cells, large) => {
        expect(texts(column(cells, large))).toEqual(expected(cells));
      }),
      { numRuns: 500 },
    );
  });
});
