import { Bool, DataType, Field, FixedSizeList, Float32, Float64, Int32, Utf8 } from 'apache-arrow';
import type { AddedColumn } from './table.js';
import { valueArrowType } from './value-type-arrow.js';

/**
 * The Arrow type of a column llmap adds (Arrow and Parquet output). `listSize` is the vector size of
 * a 'float32-vector' column, once known.
 */
export function addedArrowType(column: AddedColumn, listSize: number): DataType {
  if (typeof column.type === 'object') return valueArrowType(column.type);
  switch (column.type) {
    case 'string':
      return new Utf8();
    case 'boolean':
      return new Bool();
    case 'int':
      return new Int32();
    case 'float':
      return new Float64();
    case 'float32-vector':
      return new FixedSizeList(listSize, new Field('item', new Float32(), true));
  }
}
