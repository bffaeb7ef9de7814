import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import { isSpecialFile } from './device-target.js';
import type { TableFormat } from './table.js';

const FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'jsonl', 'arrow', 'parquet'];

const BY_EXTENSION: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/**
 * The table format of `path`: an explicit `flag` value wins, else the file extension; '-' (stdio) is CSV.
 * `flagName` is the option the value came from, for messages (e.g. '--input-format').
 */
export function detectFormat(path: string, flag?: string, flagName = '--input-format'): TableFormat {
  if (flag !== undefined) {
    const value = flag.toLowerCase();
    if ((FORMATS as readonly string[]).includes(value)) return value as TableFormat;
    throw new UsageError(`unsupported format '${flag}' for ${flagName}; use csv, tsv, jsonl, arrow or parquet`);
  }
  if (path === '-') return 'csv';
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (format !== undefined) return format;
  // /dev/null, /dev/stdout, a FIFO or <(...) has no extension; like stdio it defaults to CSV.
  if (isSpecialFile(path)) return 'csv';
  throw new UsageError(
    `cannot tell the format of '${path}' from its extension; pass ${flagName} csv, tsv, jsonl, arrow or parquet`,
  );
}
