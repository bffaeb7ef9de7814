/**
 * Schema-derived column types in Arrow: the Arrow type of a `ValueType` (the cells shaped for them
 * are arrow-cell.ts's, which text outputs use too without loading apache-arrow).
 */
import { Bool, DataType, Dictionary, Field, Float64, Int32, Int64, List, Struct, Utf8 } from 'apache-arrow';
import type { ValueType } from './table.js';

/** The Arrow type of a schema-derived column; every field and item is nullable. */
export function valueArrowType(type: ValueType, top = true): DataType {
  switch (type.kind) {
    case 'string':
    case 'json':
      return new Utf8();
    case 'float':
      return new Float64();
    case 'int':
      return new Int64();
    case 'boolean':
      return new Bool();
    case 'enum':
      // A dictionary only at the top: nested dictionaries need per-field dictionary ids that few
      // readers handle; an enum inside a list or struct is plain Utf8.
      return top ? new Dictionary(new Utf8(), new Int32()) : new Utf8();
    case 'list':
      return new List(new Field('item', valueArrowType(type.items, false), true));
    case 'struct':
      return new Struct(type.fields.map((f) => new Field(f.name, valueArrowType(f.type, false), true)));
  }
}
