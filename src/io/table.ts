import type { ParquetWriteOptions } from './parquet-options.js';

/**
 * The seam between the io/ readers and writers and the rest of llmap: a table is a header plus an
 * async iterable of rows, each row an array of cell values in header order.
 */

/** Formats llmap reads and writes. */
export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'arrow' | 'parquet';

/**
 * A row: cell values in the order of `TableSource.columns`. CSV/TSV cells are strings. A source may
 * attach what its own format's writer needs to pass the row through untouched (an Arrow record
 * batch and index, a JSONL line's text) under a symbol of its own: the engine hands the very row
 * object it was given to the sink, so a sink of the same format can write the input as it came.
 */
export type Row = unknown[];

/** Text of a cell of column `column`, as prompts and CSV/TSV cells show it ('' for null). */
export type CellText = (value: unknown, column: number) => string;

/** JSON text of a cell of column `column`, as a JSONL line holds it ('null' for null). */
export type CellJson = (value: unknown, column: number) => string;

/** A table being read. */
export interface TableSource {
  /** Column names in order; known before the first row. */
  readonly columns: string[];
  /**
   * For Arrow and Parquet input: the input schema (an apache-arrow `Schema`), so Arrow output keeps the types.
   * Undefined for text formats.
   */
  readonly arrowSchema?: unknown;
  /** The rows, streamed. Iterate once. Errors are `InputError`s naming file, line/row and column. */
  readonly rows: AsyncIterable<Row>;
  /**
   * The same stream in chunks (a record batch's rows, the records of one parsed block), for a
   * consumer that takes many rows at once. One stream: iterate either `rows` or `chunks`, once.
   */
  readonly chunks?: AsyncIterable<readonly Row[]>;
  /** Where the rows come from, for messages: the path, or 'stdin'. */
  readonly name: string;
  /** The one text rendering of this source's cells, shared by prompts and text outputs. */
  readonly cellText: CellText;
  /** The one JSON rendering of this source's cells, for JSONL output. */
  readonly cellJson: CellJson;
  /** Releases the underlying file/stream; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Value type of a column llmap adds to the output. 'float32-vector' cells are Float32Arrays (or
 * null): Arrow FixedSizeList<Float32>, a JSON array in JSONL, JSON array text in CSV/TSV. A
 * `ValueType` object types a column made from a property of a JSON Schema (`--schema`/`--fields`).
 */
export type AddedColumnType = 'string' | 'boolean' | 'int' | 'float' | 'float32-vector' | ValueType;

/**
 * The type of a schema-derived cell, whose value is the validated JSON value (or null). Arrow:
 * string Utf8, float Float64, int Int64, boolean Bool, enum Dictionary<Int32, Utf8>, list List<...>,
 * struct Struct<...>, json (a value of no single type) Utf8 holding JSON text. JSONL: the JSON value.
 * CSV/TSV: scalars as text, lists and objects as JSON text.
 */
export type ValueType =
  | { kind: 'string' | 'float' | 'int' | 'boolean' | 'json' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'list'; items: ValueType }
  | { kind: 'struct'; fields: { name: string; type: ValueType }[] };

/** A column llmap appends to every row. */
export interface AddedColumn {
  name: string;
  type: AddedColumnType;
  /** 'float32-vector' only: values per vector when known up front; else the first vector written sets it. */
  listSize?: number;
}

/** A table being written. Rows arrive in output order. */
export interface TableSink {
  /**
   * Writes one row: `row` is the input row as its source yielded it, `added` the cells of the added
   * columns. Resolves when it may be called again (backpressure).
   */
  write(row: Row, added: unknown[]): Promise<void>;
  /** Finishes the table. For a file: flush, fsync, then rename the temp file onto the target path. */
  finish(): Promise<void>;
  /**
   * Gives up: for a file, the temp file is removed, or kept as `<target>.partial` when `keepPartial`
   * is true (returns that path). Never leaves a file at the target path. Safe after finish() failed.
   */
  abort(keepPartial?: boolean): Promise<string | undefined>;
}

/** Options for opening a reader. */
export interface ReadOptions {
  /** Path, or '-' for stdin. */
  path: string;
  format: TableFormat;
  /** Injected for tests; defaults to process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

/** Options for opening a writer. */
export interface WriteOptions {
  /** Path, or '-' for stdout. */
  path: string;
  format: TableFormat;
  /** The source the rows came from (its columns and Arrow schema are kept, its cells rendered its way). */
  source: Pick<TableSource, 'columns' | 'arrowSchema' | 'cellText' | 'cellJson'>;
  /** Columns appended after the input columns. */
  added: AddedColumn[];
  /** Parquet output only: row group size and compression (defaults when omitted). */
  parquet?: ParquetWriteOptions;
  /** Injected for tests; defaults to process.stdout. */
  stdout?: NodeJS.WritableStream;
}
