import { pipeline } from 'node:stream';
import { Parser } from 'csv-parse';
import { InputError } from '../errors.js';
import { csvErrorMessage } from './csv-error-message.js';
import type { InputStream } from './open-input-stream.js';
import { StreamPuller } from './stream-puller.js';
import type { Row, TableSource } from './table.js';
import { createTextGuard } from './text-guard.js';

/** Options of the CSV/TSV reader beyond ReadOptions. */
export interface CsvReadOptions {
  /** Accept rows with more or fewer cells than the header: pad with '' and drop the extras. */
  relaxColumnCount?: boolean;
}

/** csv-parse that remembers the line the last emitted record ended on, for "quote never closed". */
class LineTrackingParser extends Parser {
  lastRecordLine = 0;
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) this.lastRecordLine = this.info.lines;
    return super.push(chunk, encoding);
  }
}

/** Streams a CSV (delimiter ',') or TSV (delimiter '\t') table; cells are strings. */
export async function openCsvSource(
  input: InputStream,
  delimiter: ',' | '\t',
  options: CsvReadOptions = {},
): Promise<TableSource> {
  const { name } = input;
  const relax = options.relaxColumnCount === true;
  const parser = new LineTrackingParser({
    delimiter,
    bom: true,
    skip_empty_lines: true,
    // Stray quotes inside unquoted cells (`5" screen`) are common in exported data; keep them as text.
    relax_quotes: true,
    relax_column_count: relax,
    max_record_size: 64 * 1024 * 1024,
  });
  pipeline(input.stream, createTextGuard(name), parser, () => undefined);
  const puller = new StreamPuller<string[]>(parser);
  let columns: string[] | undefined;
  const fail = (err: unknown): InputError => csvErrorMessage(err, name, columns?.length, parser.lastRecordLine);
  const close = async (): Promise<void> => {
    input.stream.destroy();
    parser.destroy();
  };

  let header: string[] | undefined;
  try {
    header = await puller.next();
  } catch (err) {
    await close();
    throw fail(err);
  }
  if (header === undefined) {
    await close();
    throw new InputError(`'${name}' is empty: expected a header row`);
  }
  try {
    checkHeader(header, name);
  } catch (err) {
    await close();
    throw err;
  }
  columns = header;
  const width = header.length;

  async function* rows(): AsyncGenerator<Row> {
    try {
      for (;;) {
        let record: string[] | undefined;
        while ((record = puller.read()) !== undefined) {
          yield relax && record.length !== width ? fitRow(record, width) : record;
        }
        if (!(await puller.wait())) return;
      }
    } catch (err) {
      throw fail(err);
    } finally {
      await close();
    }
  }

  return { columns: header, rows: rows(), name, close };
}

/** Rejects headers a prompt could not address unambiguously: empty or repeated names. */
function checkHeader(header: string[], name: string): void {
  const seen = new Map<string, number>();
  header.forEach((column, i) => {
    if (column.trim() === '') throw new InputError(`${name}: header: column ${i + 1} has no name`);
    const first = seen.get(column);
    if (first !== undefined) {
      throw new InputError(`${name}: header: column '${column}' appears twice (columns ${first + 1} and ${i + 1})`);
    }
    seen.set(column, i);
  });
}

/** Pads a short row with '' and drops cells past the header. */
function fitRow(record: string[], width: number): string[] {
  if (record.length > width) return record.slice(0, width);
  const row = record.slice();
  while (row.length < width) row.push('');
  return row;
}
