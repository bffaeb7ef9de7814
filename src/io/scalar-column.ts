import { DataType, makeData, Type, type Bool, type Data, type Float64, type Int32, type Int64 } from 'apache-arrow';
import { bitmap, Validity } from './validity.js';

/** The scalar types ScalarColumn builds. */
export type ScalarType = Bool | Int32 | Int64 | Float64;

/** Whether ScalarColumn builds a column of `type`. */
export function isScalarType(type: DataType): type is ScalarType {
  if (type.typeId === Type.Bool) return true;
  if (DataType.isInt(type)) return type.isSigned && (type.bitWidth === 32 || type.bitWidth === 64);
  return DataType.isFloat(type) && type.precision === 2;
}

/**
 * A Bool, Int32, Int64 or Float64 column built a batch at a time: the values are kept, then written
 * into one typed array, as apache-arrow's Builder writes them (typed array assignment, so the same
 * wrapping; Bool by truthiness of `+value`; 0 under a null) without its per-value bookkeeping.
 * null and undefined are null.
 */
export class ScalarColumn {
  private values: unknown[] = [];
  private readonly validity = new Validity();

  constructor(private readonly type: ScalarType) {}

  append(value: unknown): void {
    const valid = value !== null && value !== undefined;
    this.values.push(valid ? value : undefined);
    this.validity.push(valid);
  }

  /** The values appended since the last flush, as one Data; the column starts empty again. */
  flush(): Data {
    const { type, values, validity } = this;
    this.values = [];
    const length = values.length;
    const nullCount = validity.nulls;
    const nullBitmap = validity.take();
    let data: Uint8Array | Int32Array | BigInt64Array | Float64Array;
    if (type.typeId === Type.Bool) {
      // Bit-packed like the Builder's (sized as it sizes bitmaps), which the IPC writer writes whole.
      data = bitmap(length, (k) => Boolean(+(values[k] as number)));
    } else {
      const typed = new type.ArrayType(length) as Int32Array | BigInt64Array | Float64Array;
      for (let k = 0; k < length; k++) if (values[k] !== undefined) typed[k] = values[k] as never;
      data = typed;
    }
    return makeData({ type, length, nullCount, data, nullBitmap } as never);
  }
}
