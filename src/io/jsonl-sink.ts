import type { ByteTarget } from './byte-target.js';
import { jsonBigint, jsonText } from './cell-text.js';
import { coerceAdded } from './coerce-added.js';
import { JSONL_HEAD } from './jsonl-head.js';
import type { AddedColumn, TableSink, WriteOptions } from './table.js';
import { vectorJson } from './vector-json.js';

/**
 * Writes JSON Lines: one object per row, keys = input columns then added columns. A row read from
 * JSONL is its line's own object text with the added keys appended (nothing re-encoded, so number
 * text, key order, escapes and keys beyond the columns come back as written); other rows are built
 * from their cells, which keep their JSON types. Added values are typed per their column (a vector
 * column as a JSON array of numbers).
 */
export function createJsonlSink(target: ByteTarget, source: WriteOptions['source'], added: AddedColumn[]): TableSink {
  const { columns, cellJson } = source;
  const keys = [...columns, ...added.map((column) => column.name)].map((key, i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`);
  const inputWidth = columns.length;
  // The added keys once more, each led by a comma, for rows that are their input line's text.
  const addedKeys = added.map((column) => `,${JSON.stringify(column.name)}:`);
  return {
    write(row, addedCells) {
      const head = (row as { [JSONL_HEAD]?: string })[JSONL_HEAD];
      if (head !== undefined) {
        let line = head;
        for (let k = 0; k < added.length; k++) {
          line += (k === 0 && head.length === 1 ? addedKeys[k].slice(1) : addedKeys[k]) + valueJson(coerceAdded(addedCells[k], added[k].type));
        }
        return target.write(`${line}}\n`);
      }
      let line = '';
      for (let i = 0; i < inputWidth; i++) line += keys[i] + cellJson(row[i], i);
      for (let k = 0; k < added.length; k++) line += keys[inputWidth + k] + valueJson(coerceAdded(addedCells[k], added[k].type));
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
