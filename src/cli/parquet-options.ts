/** The Parquet output options of `run` and `embed`, declared once. */
import type { Command } from 'commander';
import { DEFAULT_PARQUET_OPTIONS } from '../io/parquet-options.js';

/** --parquet-row-group-size and --parquet-compression. */
export function addParquetOptions(cmd: Command): Command {
  const defaults = DEFAULT_PARQUET_OPTIONS;
  return cmd
    .option('--parquet-row-group-size <rows>', `Parquet output: rows per row group (default ${defaults.rowGroupSize})`)
    .option('--parquet-compression <codec>', `Parquet output: zstd, snappy, gzip or none (default ${defaults.compression})`);
}
