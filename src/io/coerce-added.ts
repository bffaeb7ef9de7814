import type { AddedColumnType } from './table.js';
import { arrowCell } from './arrow-cell.js';

/**
 * An added cell as its declared type; null when it cannot be one (null stays null). Engines hand over
 * typed values already; this keeps a stray string from breaking a typed Arrow or JSONL column.
 */
export function coerceAdded(value: unknown, type: AddedColumnType): unknown {
  if (value === null || value === undefined) return null;
  // A schema-derived cell: integers become bigints (Arrow Int64; JSONL writes them back as numbers).
  if (typeof type === 'object') return arrowCell(value, type);
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : String(value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      return null;
    case 'int': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? Math.trunc(n) : null;
    }
    case 'float': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() === '' ? NaN : Number(value);
      return Number.isNaN(n) ? null : n;
    }
    case 'float32-vector':
      if (value instanceof Float32Array) return value;
      return Array.isArray(value) && value.every((x) => typeof x === 'number') ? Float32Array.from(value) : null;
  }
}
