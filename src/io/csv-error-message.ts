import { InputError } from '../errors.js';
import type { LineTrackingParser } from './csv-line-tracker.js';

/** What csv-parse attaches to its errors (CsvError). */
interface CsvParseError {
  code?: string;
  message: string;
  lines?: number;
  column?: number | string;
  record?: unknown[];
}

/** Turns a csv-parse error into a one-line InputError naming file and line. */
export function csvErrorMessage(err: unknown, name: string, parser: LineTrackingParser): InputError {
  if (err instanceof InputError) return err;
  const e = err as CsvParseError;
  const lineNumber = e.lines === undefined ? parser.recordStartLine : parser.trueLine(e.lines, e.record);
  const line = `${name}: line ${lineNumber}`;
  const column = typeof e.column === 'number' ? `, column ${e.column + 1}` : '';
  switch (e.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS': {
      const cells = e.record?.length ?? '?';
      return new InputError(
        `${line}: row has ${cells} ${cells === 1 ? 'cell' : 'cells'} but the header has ${parser.headerLength ?? '?'} ` +
          `(use --relax-column-count to allow)`,
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return new InputError(`${name}: line ${parser.recordStartLine}: a quote opened in the row starting here is never closed`);
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new InputError(
        `${line}${column}: text follows the closing quote of a cell; write a quote inside a quoted cell as ""`,
      );
    case 'CSV_INVALID_OPENING_QUOTE':
      return new InputError(`${line}${column}: a quote inside an unquoted cell; quote the whole cell`);
    case 'CSV_MAX_RECORD_SIZE':
      return new InputError(`${name}: line ${parser.recordStartLine}: the row starting here is larger than 64 MiB; is a quote left open?`);
    default:
      return new InputError(`${line}: ${e.message}`);
  }
}
