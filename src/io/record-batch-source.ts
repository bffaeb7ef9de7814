import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { renderingOf } from './arrow-renderings.js';
import { rowsAndChunks } from './row-chunks.js';
import type { Row, TableSource } from './table.js';

/** Rows per chunk handed to the engine. */
const CHUNK_ROWS = 256;

/** What a container format (Arrow IPC, Parquet) hands over once it is open. */
export interface RecordBatchInput {
  schema: Schema;
  /** The batches, streamed; iterated once. */
  batches: AsyncIterable<RecordBatch>;
  /** The path, or 'stdin'. */
  name: string;
  /** Releases the file or stream; safe to call twice. */
  close(): Promise<void>;
  /** The one-line error to throw for a failure while reading batches. */
  invalid(err: unknown): Promise<Error>;
}

/** Where a row of a record batch lives: its batch's column data and its index there. */
export interface ArrowRowRef {
  /** The batch's columns, in schema order. The same array for every row of one batch. */
  readonly columns: readonly Data[];
  readonly index: number;
}

/** The key under which a row of a record batch carries its ArrowRowRef, for the Arrow sink to pass it through. */
export const ARROW_ROW: unique symbol = Symbol('llmap.arrowRow');

/** A row of a record batch. */
export type ArrowRow = Row & { [ARROW_ROW]?: ArrowRowRef };

/**
 * A table over record batches, whatever container they came in. Cells are not decoded: every cell of
 * a row is the row's ArrowRowRef, and this source's cellText/cellJson read a cell from the column's
 * own buffers when a prompt or a text output asks for it (an Arrow output never does: it reuses the
 * column data as is).
 */
export function recordBatchSource(input: RecordBatchInput): TableSource {
  const { schema, batches, name, close, invalid } = input;
  const width = schema.fields.length;
  const renderings = schema.fields.map((field) => renderingOf(field.type));

  async function* chunks(): AsyncGenerator<Row[]> {
    try {
      for await (const batch of batches) {
        const columns = batch.data.children;
        // Rows are made a chunk at a time as the engine takes them: made all at once, a big
        // batch's rows would outlive the young generation and cost a full collection.
        for (let first = 0; first < batch.numRows; first += CHUNK_ROWS) {
          const end = Math.min(batch.numRows, first + CHUNK_ROWS);
          const rows = new Array<Row>(end - first);
          for (let index = first; index < end; index++) {
            const ref: ArrowRowRef = { columns, index };
            const row: ArrowRow = new Array<unknown>(width).fill(ref);
            row[ARROW_ROW] = ref;
            rows[index - first] = row;
          }
          yield rows;
        }
      }
    } catch (err) {
      throw await invalid(err);
    } finally {
      await close();
    }
  }

  return {
    columns: schema.fields.map((field) => field.name),
    arrowSchema: schema,
    ...rowsAndChunks(chunks()),
    name,
    cellText: (value, column) => {
      const ref = value as ArrowRowRef;
      return renderings[column].text(ref.columns[column], ref.index);
    },
    cellJson: (value, column) => {
      const ref = value as ArrowRowRef;
      return renderings[column].json(ref.columns[column], ref.index);
    },
    close,
  };
}
