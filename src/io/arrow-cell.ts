/**
 * A validated JSON value shaped for the apache-arrow builders of `valueArrowType` (Int64 takes
 * bigints, a `json` cell is its JSON text). Apart from value-type-arrow.ts so that the JSONL writer,
 * which shapes typed cells the same way, does not load apache-arrow on every run's start.
 */
import { jsonText } from './cell-text.js';
import type { ValueType } from './table.js';

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
