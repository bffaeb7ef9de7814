import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { renderingOf } from './arrow-renderings.js';
import type { Row, TableSource } from './table.js';

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

  async function* rows(): AsyncGenerator<Row> {
    try {
      for await (const batch of batches) {
        const columns = batch.data.children;
        for (let index = 0; index < batch.numRows; index++) {
          const ref: ArrowRowRef = { columns, index };
          const row: ArrowRow = new Array<unknown>(width).fill(ref);
          row[ARROW_ROW] = ref;
          yield row;
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
    rows: rows(),
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
