import { Bool, Float64, Int32, Int64, Int8, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalarType, ScalarColumn, type ScalarType } from '../../src/io/scalar-column.js';
import { expectBuilderParity } from './builder-parity.js';

function expectSame(type: ScalarType, values: unknown[]): void {
  const column = new ScalarColumn(type);
  for (const value of values) column.append(value);
  expectBuilderParity(column.flush(), values);
}

describe('ScalarColumn', () => {
  it('builds Bool, Int32, Int64 and Float64, and leaves other types to the Builder', () => {
    const types: DataType[] = [new Bool(), new Int32(), new Int64(), new Float64(), new Int8()];
    expect(types.map(isScalarType)).toEqual([true, true, true, true, false]);
  });

  it('writes what the Builder writes: wrapped integers, -0, NaN, infinities, nulls', () => {
    expectSame(new Int32(), [1, null, -0, 2 ** 31, -(2 ** 31) - 1, 3e10, undefined, 7]);
    expectSame(new Float64(), [0.1, -0, NaN, Infinity, -Infinity, null, 1e300, 5e-324]);
    expectSame(new Int64(), [2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n + 5n, null, 0n]);
    // Bool by +value: a stray string or number becomes its truthiness as a number.
    expectSame(new Bool(), [true, false, null, 1, 0, 'x', '1', undefined, true]);
    expectSame(new Bool(), [null, null]);
    expectSame(new Int32(), []);
  });

  it('starts empty after each flush', () => {
    const column = new ScalarColumn(new Int32());
    column.append(null);
    column.append(4);
    column.flush();
    column.append(5);
    const data = column.flush();
    expect([data.length, data.nullCount, [...(data.values as Int32Array)]]).toEqual([1, 0, [5]]);
  });

  it('any values with nulls among them, over batch sizes around the bitmaps\' byte and 64-byte edges', () => {
    const nullable = <T>(value: fc.Arbitrary<T>) => fc.array(fc.option(value), { maxLength: 600 });
    fc.assert(fc.property(nullable(fc.integer()), (values) => expectSame(new Int32(), values)), { numRuns: 100 });
    fc.assert(fc.property(nullable(fc.double()), (values) => expectSame(new Float64(), values)), { numRuns: 100 });
    fc.assert(fc.property(nullable(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), (values) => expectSame(new Int64(), values)), { numRuns: 100 });
    fc.assert(fc.property(nullable(fc.boolean()), (values) => expectSame(new Bool(), values)), { numRuns: 100 });
  });
});
