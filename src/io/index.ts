/** The io/ stage: table readers and writers for CSV, TSV, JSONL, Arrow and Parquet, on files or stdio. */
export { countRows } from './count-rows.js';
export type { CsvReadOptions } from './csv-source.js';
export { detectFormat } from './detect-format.js';
export { openTableSink } from './open-table-sink.js';
export { openTableSource, type ReadExtras } from './open-table-source.js';
export type * from './table.js';
export { DEFAULT_PARQUET_OPTIONS, PARQUET_COMPRESSIONS, type ParquetCompression, type ParquetWriteOptions } from './parquet-options.js';
