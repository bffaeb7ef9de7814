/**
 * The renderings of the Arrow types the end-to-end zoo does not hold (intervals, unions, the Null
 * type, nested dictionaries, sliced data, 32/64-bit decimals), read from buffers laid by hand.
 */
import {
  Decimal, DenseUnion, Dictionary, Field, Int32, IntervalDayTime, IntervalMonthDayNano, IntervalYearMonth, List, makeData, Null,
  SparseUnion, Utf8, vectorFromArray, type Data,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { renderingOf } from '../../src/io/arrow-renderings.js';
import { decimal, flat } from './arrow-type-zoo.js';

function cells(data: Data): { text: string[]; json: string[] } {
  const { text, json } = renderingOf(data.type);
  const at = Array.from({ length: data.length }, (_, i) => i);
  return { text: at.map((i) => text(data, i)), json: at.map((i) => json(data, i)) };
}

describe('Arrow renderings', () => {
  it('intervals as ISO 8601 durations', () => {
    expect(cells(flat(new IntervalYearMonth(), [14, -1, null])).text).toEqual(['P14M', 'P-1M', '']);
    const dayTime = makeData({ type: new IntervalDayTime(), length: 2, nullCount: 0, data: Int32Array.from([3, 250, -1, -1500]) });
    expect(cells(dayTime)).toEqual({ text: ['P3DT0.250S', 'P-1DT-1.500S'], json: ['"P3DT0.250S"', '"P-1DT-1.500S"'] });
    const words = new Int32Array(8);
    words.set([1, 2]);
    new BigInt64Array(words.buffer, 8, 1)[0] = 3n;
    words.set([0, 0], 4);
    new BigInt64Array(words.buffer, 24, 1)[0] = -(2n ** 63n);
    const monthDayNano = makeData({ type: new IntervalMonthDayNano(), length: 2, nullCount: 0, data: words });
    expect(cells(monthDayNano).text).toEqual(['P1M2DT0.000000003S', 'P0M0DT-9223372036.854775808S']);
  });

  it('a union cell as its member, dense and sparse', () => {
    const members = [new Field('n', new Int32(), true), new Field('s', new Utf8(), true)];
    const dense = makeData({
      type: new DenseUnion([0, 1], members), length: 3, nullCount: 0,
      typeIds: Int8Array.from([1, 0, 1]), valueOffsets: Int32Array.from([0, 0, 1]),
      children: [flat(new Int32(), [7]), vectorFromArray(['a', null], new Utf8()).data[0]],
    });
    expect(cells(dense)).toEqual({ text: ['a', '7', ''], json: ['"a"', '7', 'null'] });
    const sparse = makeData({
      type: new SparseUnion([5, 9], members), length: 2, nullCount: 0, typeIds: Int8Array.from([9, 5]),
      children: [flat(new Int32(), [0, -4]), vectorFromArray(['x', 'y'], new Utf8()).data[0]],
    });
    expect(cells(sparse).json).toEqual(['"x"', '-4']);
  });

  it('the Null type, a dictionary inside a list, and sliced data', () => {
    expect(cells(makeData({ type: new Null(), length: 2 }))).toEqual({ text: ['', ''], json: ['null', 'null'] });
    const dictType = new Dictionary(new Utf8(), new Int32(), 3);
    const keys = makeData({ type: dictType, length: 3, nullCount: 0, data: Int32Array.from([1, 0, 1]), dictionary: vectorFromArray(['\uFEFFa', 'b'], new Utf8()) });
    const list = makeData({ type: new List(new Field('item', dictType, true)), length: 2, nullCount: 0, valueOffsets: Int32Array.from([0, 2, 3]), child: keys });
    expect(cells(list).text).toEqual(['["b","\uFEFFa"]', '["b"]']);
    expect(cells(list.slice(1, 1)).text).toEqual(['["b"]']);
    expect(cells(flat(new Int32(), [1, null, 3, null, 5, 6, 7, 8, 9]).slice(3, 3)).text).toEqual(['', '5', '6']);
  });

  it('decimals of every width, negative scales included', () => {
    expect(cells(decimal(new Decimal(2, 9, 32), [-12345n, 5n, null])).text).toEqual(['-123.45', '0.05', '']);
    expect(cells(decimal(new Decimal(0, 18, 64), [-(2n ** 63n), 0n])).text).toEqual(['-9223372036854775808', '0']);
    expect(cells(decimal(new Decimal(-3, 10, 128), [12n, 0n])).json).toEqual(['12000', '0']);
  });
});
