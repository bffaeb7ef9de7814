/** The Parquet output flags of `run` and `embed`, validated when set. */
import { DEFAULT_PARQUET_OPTIONS, PARQUET_COMPRESSIONS, type ParquetWriteOptions } from '../io/parquet-options.js';
import { parseChoice, parseWholeNumber } from './parse-values.js';

/** Rows per row group at most: a row group is held whole while it is written. */
const MAX_ROW_GROUP_SIZE = 100_000_000;

/** The Parquet flags as commander hands them over. */
export interface RawParquetOptions {
  parquetRowGroupSize?: string;
  parquetCompression?: string;
}

/** The Parquet writing options, or undefined when neither flag is given (the defaults then apply). */
export function resolveParquetOptions(raw: RawParquetOptions): ParquetWriteOptions | undefined {
  if (raw.parquetRowGroupSize === undefined && raw.parquetCompression === undefined) return undefined;
  return {
    rowGroupSize:
      raw.parquetRowGroupSize === undefined
        ? DEFAULT_PARQUET_OPTIONS.rowGroupSize
        : parseWholeNumber('--parquet-row-group-size', raw.parquetRowGroupSize, 1, MAX_ROW_GROUP_SIZE),
    compression:
      raw.parquetCompression === undefined
        ? DEFAULT_PARQUET_OPTIONS.compression
        : parseChoice('--parquet-compression', raw.parquetCompression.toLowerCase(), PARQUET_COMPRESSIONS),
  };
}
