import { Parser } from 'csv-parse';

/**
 * csv-parse that knows true line numbers. Its own `info.lines` counts both bytes of a CRLF inside a
 * quoted cell as line breaks, so every such cell shifts later line numbers by one; this parser
 * subtracts those, and remembers where the last record ended so an unclosed quote can be placed.
 */
export class LineTrackingParser extends Parser {
  /** Cells in the first record (the header), once read. */
  headerLength: number | undefined;
  /** True line the header ended on, once read. */
  headerLine: number | undefined;
  /** True line the last emitted record ended on; 0 before the first. */
  lastRecordLine = 0;
  /** CRLFs inside quoted cells of the records emitted so far (each counted twice by csv-parse). */
  private extraLines = 0;
  private emptyLinesAtLastRecord = 0;

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) {
      const record = chunk as string[];
      this.headerLength ??= record.length;
      this.extraLines += crlfCount(record);
      this.lastRecordLine = this.info.lines - this.extraLines;
      this.emptyLinesAtLastRecord = this.info.empty_lines;
      this.headerLine ??= this.lastRecordLine;
    }
    return super.push(chunk, encoding);
  }

  /** True line of csv-parse's `lines` for an error raised on `record` (its cells, when known). */
  trueLine(lines: number, record: readonly unknown[] = []): number {
    return lines - this.extraLines - crlfCount(record);
  }

  /** True line the record being parsed starts on (empty lines since the last record skipped). */
  get recordStartLine(): number {
    return this.lastRecordLine + 1 + (this.info.empty_lines - this.emptyLinesAtLastRecord);
  }
}

/** CRLFs inside the cells of a record. */
function crlfCount(record: readonly unknown[]): number {
  let n = 0;
  for (const cell of record) {
    if (typeof cell !== 'string' || !cell.includes('\r')) continue;
    for (let i = cell.indexOf('\r\n'); i !== -1; i = cell.indexOf('\r\n', i + 2)) n++;
  }
  return n;
}
