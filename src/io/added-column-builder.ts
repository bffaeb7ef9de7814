import { DataType, makeBuilder, type Data } from 'apache-arrow';
import { isScalarType, ScalarColumn } from './scalar-column.js';
import { Utf8Column } from './utf8-column.js';

/** Builds one added column of an Arrow sink, a record batch at a time. */
export interface ColumnBuilder {
  /** Appends a cell (null and undefined are null). */
  append(value: unknown): unknown;
  /** The cells appended since the last flush, as one Data; the builder starts empty again. */
  flush(): Data;
}

/**
 * A builder for an added column of `type`. Utf8 (responses, errors, typed strings) and the scalars
 * (metadata, typed numbers and booleans) are built without apache-arrow's per-value Builder, which
 * costs most on Utf8; nested and dictionary types, which need its logic, by the Builder.
 */
export function addedColumnBuilder(type: DataType): ColumnBuilder {
  if (DataType.isUtf8(type)) return new Utf8Column();
  if (isScalarType(type)) return new ScalarColumn(type);
  return makeBuilder({ type, nullValues: [null, undefined] });
}
