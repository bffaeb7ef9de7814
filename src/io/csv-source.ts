import { pipeline } from 'node:stream';
import { InputError } from '../errors.js';
import { csvErrorMessage } from './csv-error-message.js';
import { LineTrackingParser } from './csv-line-tracker.js';
import type { InputStream } from './open-input-stream.js';
import { StreamPuller } from './stream-puller.js';
import { rowsAndChunks } from './row-chunks.js';
import type { Row, TableSource } from './table.js';
import { createTextGuard } from './text-guard.js';

/** Options of the CSV/TSV reader beyond ReadOptions. */
export interface CsvReadOptions {
  /** Accept rows with more or fewer cells than the header: pad with '' and drop the extras. */
  relaxColumnCount?: boolean;
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
  const fail = (err: unknown): InputError => csvErrorMessage(err, name, parser);
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
    checkHeader(header, name, delimiter, parser.headerLine ?? 1);
  } catch (err) {
    await close();
    throw err;
  }
  const width = header.length;

  // A chunk is every record parsed so far: what one block of input held.
  async function* chunks(): AsyncGenerator<Row[]> {
    try {
      for (;;) {
        const chunk: Row[] = [];
        let record: string[] | undefined;
        try {
          while ((record = puller.read()) !== undefined) {
            chunk.push(relax && record.length !== width ? fitRow(record, width) : record);
          }
        } catch (err) {
          // The rows before a bad one are still the table's: they go out before the error.
          if (chunk.length > 0) yield chunk;
          throw err;
        }
        // After a yield, read again before waiting: a 'readable' while suspended would be missed.
        if (chunk.length > 0) yield chunk;
        else if (!(await puller.wait())) return;
      }
    } catch (err) {
      throw fail(err);
    } finally {
      await close();
    }
  }

  return { columns: header, ...rowsAndChunks(chunks()), name, cellText: textCell, cellJson: (value) => (value === null || value === undefined ? 'null' : JSON.stringify(value)), close };
}

/**
 * Rejects headers a prompt could not address unambiguously (empty or repeated names), and a
 * tab-separated file read as CSV, whose whole header would otherwise be one column named 'a\tb'.
 */
function checkHeader(header: string[], name: string, delimiter: string, line: number): void {
  if (delimiter === ',' && header.length === 1 && header[0].includes('\t')) {
    throw new InputError(`${name}: line ${line}: the header has tabs but no commas; if the file is tab-separated, pass --input-format tsv`);
  }
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

/** CSV/TSV cells are the strings read. */
function textCell(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}
