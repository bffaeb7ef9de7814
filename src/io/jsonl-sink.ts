import type { ByteTarget } from './byte-target.js';
import { jsonBigint, jsonText } from './cell-text.js';
import { coerceAdded } from './coerce-added.js';
import type { AddedColumn, TableSink, WriteOptions } from './table.js';
import { vectorJson } from './vector-json.js';

/**
 * Writes JSON Lines: one object per row, keys = input columns then added columns. Input values keep
 * their JSON types; added values are typed per their column (a vector column as a JSON array of numbers).
 */
export function createJsonlSink(target: ByteTarget, source: WriteOptions['source'], added: AddedColumn[]): TableSink {
  const { columns, cellJson } = source;
  const keys = [...columns, ...added.map((column) => column.name)].map((key, i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`);
  const inputWidth = columns.length;
  // A schema-derived cell is a validated JSON value already: written as it is, whatever its shape.
  const addedJson = added.map(({ type }) => (typeof type === 'object' ? jsonText : (value: unknown) => valueJson(coerceAdded(value, type))));
  return {
    write(row, addedCells) {
      let line = '';
      for (let i = 0; i < inputWidth; i++) line += keys[i] + cellJson(row[i], i);
      for (let k = 0; k < added.length; k++) line += keys[inputWidth + k] + addedJson[k](addedCells[k]);
      return target.write(keys.length === 0 ? '{}\n' : `${line}}\n`);
    },
    finish: () => target.finish(),
    abort: (keepPartial) => target.abort(keepPartial),
  };
}

function valueJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(jsonBigint(value));
    case 'undefined':
      return 'null';
    default:
      return value instanceof Float32Array ? vectorJson(value) : jsonText(value);
  }
}
