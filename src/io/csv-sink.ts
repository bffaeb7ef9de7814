import { Stringifier } from 'csv-stringify';
import type { ByteTarget } from './byte-target.js';
import { jsonText } from './cell-text.js';
import { vectorJson } from './vector-json.js';
import type { Row, TableSink } from './table.js';

/**
 * Writes CSV/TSV (RFC 4180 quoting, only where needed, '\n' line ends): the header row first, then one
 * line per row. Cells: strings as is, null empty, numbers/booleans/bigints as text, objects as JSON,
 * Float32Arrays as JSON arrays.
 */
export function createCsvSink(target: ByteTarget, columns: string[], delimiter: ',' | '\t'): TableSink {
  const stringifier = new Stringifier({
    delimiter,
    record_delimiter: '\n',
    cast: {
      boolean: (value) => String(value),
      date: (value) => value.toISOString(),
      // An embedding: a JSON array, not the {"0": ...} object JSON makes of a typed array.
      object: (value) => (value instanceof Float32Array ? vectorJson(value) : jsonText(value)),
    },
  });
  // Stringifier is a Transform: write() encodes synchronously and read() takes the bytes back, so
  // each row costs no stream piping and errors stay in one place (the target).
  const encode = (row: Row): Buffer => {
    stringifier.write(row);
    return stringifier.read() as Buffer;
  };
  let header: Buffer | undefined = encode(columns);
  return {
    write(row) {
      const bytes = encode(row);
      if (header === undefined) return target.write(bytes);
      const first = Buffer.concat([header, bytes]);
      header = undefined;
      return target.write(first);
    },
    async finish() {
      if (header !== undefined) {
        const bytes = header;
        header = undefined;
        await target.write(bytes);
      }
      await target.finish();
    },
    abort: (keepPartial) => target.abort(keepPartial),
  };
}
