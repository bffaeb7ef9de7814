import type { ByteTarget } from './byte-target.js';
import { jsonText, valueJson } from './cell-text.js';
import { coerceAdded } from './coerce-added.js';
import { JSONL_HEAD } from './jsonl-head.js';
import type { AddedColumn, TableSink, WriteOptions } from './table.js';

/**
 * Writes JSON Lines: one object per row, keys = input columns then added columns. A row read from
 * JSONL is its line's own object text with the added keys appended (nothing re-encoded, so number
 * text, key order, escapes and keys beyond the columns come back as written); other rows are built
 * from their cells, which keep their JSON types. Added values are typed per their column (a vector
 * column as a JSON array of numbers).
 */
export function createJsonlSink(target: ByteTarget, source: WriteOptions['source'], added: AddedColumn[]): TableSink {
  const { columns, cellJson } = source;
  // The added keys, each led by a comma, for rows that are their input line's object text.
  const afterHead = added.map((column) => `,${JSON.stringify(column.name)}:`);
  const keys = [...columns, ...added.map((column) => column.name)].map((key, i) => `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`);
  const inputWidth = columns.length;
  // A schema-derived cell is a validated JSON value already: written as it is, whatever its shape.
  const addedJson = added.map(({ type }) => (typeof type === 'object' ? jsonText : (value: unknown) => valueJson(coerceAdded(value, type))));
  return {
    write(row, addedCells) {
      const head = (row as { [JSONL_HEAD]?: string })[JSONL_HEAD];
      if (head !== undefined) {
        // An empty object's head is '{': its first added key takes no comma.
        let text = head;
        for (let k = 0; k < added.length; k++) text += (k === 0 && head === '{' ? afterHead[k].slice(1) : afterHead[k]) + addedJson[k](addedCells[k]);
        return target.write(`${text}}\n`);
      }

      let line = '';
      for (let i = 0; i < inputWidth; i++) line += keys[i] + cellJson(row[i], i);
      for (let k = 0; k < added.length; k++) line += keys[inputWidth + k] + addedJson[k](addedCells[k]);
      return target.write(keys.length === 0 ? '{}\n' : `${line}}\n`);
    },
    finish: () => target.finish(),
    abort: (keepPartial) => target.abort(keepPartial),
  };
}
