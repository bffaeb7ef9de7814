/**
 * Schema-derived column types in Arrow: the Arrow type of a `ValueType`, and a validated JSON value
 * shaped for apache-arrow's builders (Int64 takes bigints, a `json` cell is its JSON text).
 */
import { Bool, DataType, Dictionary, Field, Float64, Int32, Int64, List, Struct, Utf8 } from 'apache-arrow';
import { jsonText } from './cell-text.js';
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

/**
 * A cell as the builders of `valueArrowType` take it: integers as bigint, `json` as text, objects
 * with every field present (missing = null). Values are validated already; a value of the wrong
 * shape becomes null rather than a broken column.
 */
export function arrowCell(value: unknown, type: ValueType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'string':
    case 'enum':
      return typeof value === 'string' ? value : null;
    case 'json':
      return jsonText(value);
    case 'float':
      return typeof value === 'number' ? value : null;
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : typeof value === 'bigint' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'list':
      return Array.isArray(value) ? value.map((item) => arrowCell(item, type.items)) : null;
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) return null;
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of type.fields) out[field.name] = arrowCell(record[field.name], field.type);
      return out;
    }
  }
}
