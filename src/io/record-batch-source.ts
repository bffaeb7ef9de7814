import type { RecordBatch, Schema, Vector } from 'apache-arrow';
import { arrowCellText } from './arrow-cell-text.js';
import { cellText, jsonText } from './cell-text.js';
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

/**
 * A table over record batches, whatever container they came in: rows are read batch by batch, and
 * cells are the values Arrow gives (bigint for Int64, a Vector for a List, ...).
 */
export function recordBatchSource(input: RecordBatchInput): TableSource {
  const { schema, batches, name, close, invalid } = input;
  const width = schema.fields.length;

  async function* rows(): AsyncGenerator<Row> {
    try {
      for await (const batch of batches) {
        const vectors: Vector[] = schema.fields.map((_, j) => batch.getChildAt(j)!);
        for (let i = 0; i < batch.numRows; i++) {
          const row = new Array<unknown>(width);
          for (let j = 0; j < width; j++) row[j] = vectors[j].get(i);
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
    cellText: arrowCellText(schema) ?? ((value) => cellText(value)),
    cellJson: (value) => jsonText(value),
    close,
  };
}
