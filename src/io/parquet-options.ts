/** Parquet output settings: kept apart from the writer so that naming them loads no Arrow or WebAssembly. */

/** Compression codecs offered for Parquet output (the names of --parquet-compression). */
export const PARQUET_COMPRESSIONS = ['zstd', 'snappy', 'gzip', 'none'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

/** How Parquet output is written. */
export interface ParquetWriteOptions {
  /** Rows per row group. */
  rowGroupSize: number;
  compression: ParquetCompression;
}

/**
 * Rows per row group by default. The writer holds a row group's encoded columns until it is full, so
 * this bounds memory; readers skip and parallelise by row group. DuckDB writes 122,880, pyarrow 1 Mi;
 * 100,000 keeps a row of a few KB of text within a few hundred MB.
 */
export const DEFAULT_ROW_GROUP_SIZE = 100_000;

export const DEFAULT_PARQUET_OPTIONS: ParquetWriteOptions = { rowGroupSize: DEFAULT_ROW_GROUP_SIZE, compression: 'zstd' };
