import { openCsvSource, type CsvReadOptions } from './csv-source.js';
import type { JsonlReadOptions } from './jsonl-source.js';
import { openInputStream } from './open-input-stream.js';
import type { ReadOptions, TableSource } from './table.js';

/** Reader options beyond ReadOptions. */
export type ReadExtras = CsvReadOptions & JsonlReadOptions;

/**
 * Opens a table for streaming. Resolves once the columns are known (header, first object or schema);
 * file and header problems reject with a one-line InputError.
 */
export async function openTableSource(opts: ReadOptions, extra: ReadExtras = {}): Promise<TableSource> {
  // Arrow is loaded only for Arrow input: it costs a large share of start-up otherwise.
  if (opts.format === 'arrow') return (await import('./arrow-source.js')).openArrowSource(opts.path, opts.stdin);
  if (opts.format === 'parquet') return (await import('./parquet-source.js')).openParquetSource(opts.path, opts.stdin);
  const input = await openInputStream(opts.path, opts.stdin);
  // The JSONL reader (and lossless-json) is loaded only for JSONL input, like Arrow: start-up stays small.
  if (opts.format === 'jsonl') return (await import('./jsonl-source.js')).openJsonlSource(input, opts.path, extra);
  return openCsvSource(input, opts.format === 'tsv' ? '\t' : ',', extra);
}
