import { Stringifier } from 'csv-stringify';
import type { ByteTarget } from './byte-target.js';
import { valueJson } from './cell-text.js';
import type { AddedColumn, Row, TableSink, WriteOptions } from './table.js';

/**
 * Writes CSV/TSV (RFC 4180 quoting, only where needed, '\n' line ends): the header row first, then one
 * line per row. Cells: strings as is, null empty, numbers/booleans/bigints as text, objects as JSON,
 * Float32Arrays as JSON arrays.
 */
export function createCsvSink(target: ByteTarget, source: WriteOptions['source'], added: AddedColumn[], delimiter: ',' | '\t'): TableSink {
  const columns = [...source.columns, ...added.map((column) => column.name)];
  const inputWidth = source.columns.length;
  const { cellText } = source;
  const stringifier = new Stringifier({
    delimiter,
    record_delimiter: '\n',
    // With a record_delimiter given, csv-stringify quotes only cells holding that delimiter; a lone
    // '\r' must be quoted too, or pandas, Python's csv and DuckDB split the row there.
    quote_record_delimiter: true,
    cast: {
      boolean: (value) => String(value),
      date: (value) => value.toISOString(),
      // An embedding: a JSON array, not the {"0": ...} object JSON makes of a typed array.
      object: valueJson,
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
    write(row, addedCells) {
      const cells = new Array<unknown>(inputWidth + addedCells.length);
      for (let i = 0; i < inputWidth; i++) cells[i] = cellText(row[i], i);
      for (let k = 0; k < addedCells.length; k++) cells[inputWidth + k] = addedCells[k];
      const bytes = encode(cells);
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
