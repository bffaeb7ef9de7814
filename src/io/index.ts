/** The io/ stage: table readers and writers for CSV, TSV, JSONL and Arrow, on files or stdio. */
export { countRows } from './count-rows.js';
export type { CsvReadOptions } from './csv-source.js';
export { detectFormat } from './detect-format.js';
export { openTableSink } from './open-table-sink.js';
export { openTableSource, type ReadExtras } from './open-table-source.js';
export type * from './table.js';
