import { InputError } from '../errors.js';
import { isWasmTrap } from './wasm-panic-guard.js';

/** A Parquet file starts and ends with these 4 bytes. */
const MAGIC = Buffer.from('PAR1');

/**
 * A one-line InputError for a Parquet input the reader failed on. `ends` are the file's first and
 * last 4 bytes (undefined when unknown): they tell an empty file and another format from a broken one.
 */
export function parquetErrorMessage(name: string, ends: { head: Buffer; tail: Buffer } | undefined, err: unknown): InputError {
  if (ends !== undefined && ends.head.length === 0) return new InputError(`'${name}' is empty: expected a Parquet file`, { cause: err });
  const prefix = `${name}: not a valid Parquet file`;
  if (ends !== undefined && !ends.head.equals(MAGIC)) {
    return new InputError(`${prefix} (it does not start with PAR1); if it is csv, tsv, jsonl or arrow, pass --input-format`, {
      cause: err,
    });
  }
  if (ends !== undefined && !ends.tail.equals(MAGIC)) {
    return new InputError(`${prefix} (it does not end with PAR1: truncated, or still being written)`, { cause: err });
  }
  return new InputError(`${prefix} (${readerWords(err)})`, { cause: err });
}

/** The reader's own first line, e.g. "Parquet error: Corrupt footer", without the wrapping. */
function readerWords(err: unknown): string {
  // A trap (a Rust panic) says only "unreachable".
  if (isWasmTrap(err)) return 'a page could not be decoded: the file is corrupt';
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0].trim();
  return line === '' ? 'it is corrupt' : line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
