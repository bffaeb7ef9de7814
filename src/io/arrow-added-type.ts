import { DataType, Field, FixedSizeList, Float32, Int32 } from 'apache-arrow';
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
    case 'boolean':
    case 'float':
      return valueArrowType({ kind: column.type });
    case 'int':
      // The metadata columns (latency, token counts): Int32, where a schema's integers are Int64.
      return new Int32();
    case 'float32-vector':
      return new FixedSizeList(listSize, new Field('item', new Float32(), true));
  }
}
