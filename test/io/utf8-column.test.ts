import { Utf8, type Data } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Column } from '../../src/io/utf8-column.js';
import { expectBuilderParity } from './builder-parity.js';

function viaColumn(values: unknown[]): Data<Utf8> {
  const column = new Utf8Column();
  for (const value of values) column.append(value);
  return column.flush();
}

const expectSame = (values: unknown[]): void => expectBuilderParity(viaColumn(values), values);

// Unpaired surrogates alone, at either end of a string, and halves that would pair up across two strings.
const SURROGATES = ['\uD83D', '\uDE00', 'a\uD800', '\uDC00b', '\uD83D\uDE00', '\uDE00\uD83D'];
const PIECES = ['', 'a', 'é', '😀', '\uFEFF', '\u2028', '\u0000', '"', '\r\n', '好', ...SURROGATES];

describe('Utf8Column', () => {
  it('writes what the Builder writes: an unpaired surrogate as EF BF BD, one string at a time', () => {
    const data = viaColumn(['a\uD800', '\uDC00', 'x']);
    expect([...data.valueOffsets]).toEqual([0, 4, 7, 8]);
    expect([...data.values]).toEqual([0x61, 0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd, 0x78]);
    expectSame(['a\uD800', '\uDC00', 'x']);
    // A high half, an empty or null cell, then a low half: still two replacement characters.
    expectSame(['\uD83D', '', '\uDE00']);
    expectSame(['\uD83D', null, '\uDE00']);
  });

  it('nulls (null and undefined) get a validity bitmap; without any, none', () => {
    const data = viaColumn(['a', null, undefined, '', 'b']);
    expect(data.nullCount).toBe(2);
    expect(data.nullBitmap[0]).toBe(0b11001);
    expect([...data.valueOffsets]).toEqual([0, 1, 1, 1, 1, 2]);
    expect(viaColumn(['a', '']).nullBitmap).toHaveLength(0);
    expectSame(['a', null, undefined, '', 'b']);
    expectSame([null, null, null]);
    expectSame([]);
  });

  it('a value that is not a string is its String(), as the Builder encodes it', () => {
    expectSame([12, 1.5, true, 'x']);
  });

  it('starts empty after each flush', () => {
    const column = new Utf8Column();
    column.append(null);
    column.append('é');
    column.flush();
    column.append('b');
    const data = column.flush();
    expect(data.length).toBe(1);
    expect(data.nullCount).toBe(0);
    expect(data.nullBitmap).toHaveLength(0);
    expect([...data.values]).toEqual([0x62]);
  });

  it('any mix of ASCII, other text, unpaired surrogates and nulls comes out as the Builder writes it', () => {
    const cell = fc.oneof(
      fc.constant(null),
      fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 6 }).map((parts) => parts.join('')),
    );
    fc.assert(fc.property(fc.array(cell, { maxLength: 40 }), (values) => expectSame(values)), { numRuns: 500 });
    // All ASCII (the one-pass path), with nulls among them.
    fc.assert(fc.property(fc.array(fc.option(fc.string({ unit: 'binary-ascii' })), { maxLength: 40 }), (values) => expectSame(values)), { numRuns: 200 });
  });
});
