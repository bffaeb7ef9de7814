import { DataType, makeBuilder, type Data } from 'apache-arrow';
import { Utf8Column } from './utf8-column.js';

/** Builds one added column of an Arrow sink, a record batch at a time. */
export interface ColumnBuilder {
  /** Appends a cell (null and undefined are null). */
  append(value: unknown): unknown;
  /** The cells appended since the last flush, as one Data; the builder starts empty again. */
  flush(): Data;
}

/**
 * A builder for an added column of `type`. Utf8 (responses, errors, typed strings) is built by
 * Utf8Column, where apache-arrow's Builder costs most per value; the rest (scalars cost it little,
 * nested and dictionary types need its logic) by apache-arrow's own Builder.
 */
export function addedColumnBuilder(type: DataType): ColumnBuilder {
  if (DataType.isUtf8(type)) return new Utf8Column();
  return makeBuilder({ type, nullValues: [null, undefined] });
}
