import {
  Bool,
  DataType,
  Field,
  Float64,
  Int32,
  makeBuilder,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Utf8,
  Vector,
  type Builder,
} from 'apache-arrow';
import { AsyncByteQueue } from 'apache-arrow/io/stream';
import { DONE, type ByteTarget } from './byte-target.js';
import { cellText } from './cell-text.js';
import { coerceAdded } from './coerce-added.js';
import type { AddedColumn, AddedColumnType, TableSink, WriteOptions } from './table.js';

/** Rows per record batch: big enough to amortise per-batch metadata, small enough to stream. */
const BATCH_ROWS = 1024;

const ARROW_TYPES: Record<AddedColumnType, () => DataType> = {
  string: () => new Utf8(),
  boolean: () => new Bool(),
  int: () => new Int32(),
  float: () => new Float64(),
};

/** Collects the writer's bytes synchronously instead of queueing them for an async reader. */
class ChunkCollector extends AsyncByteQueue {
  chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    this.chunks.push(value);
  }
  take(): Buffer {
    const bytes = Buffer.concat(this.chunks);
    this.chunks = [];
    return bytes;
  }
}

/**
 * Writes an Arrow IPC file (`fileFormat`) or stream. The schema is the input's Arrow fields with their
 * types (text input: Utf8) plus the added columns (Utf8, Bool, Int32, Float64; all nullable).
 * Dictionary columns are written as their value type, so batches need no dictionary bookkeeping.
 */
export function createArrowSink(
  target: ByteTarget,
  source: WriteOptions['source'],
  added: AddedColumn[],
  fileFormat: boolean,
): TableSink {
  const inputSchema = source.arrowSchema instanceof Schema ? source.arrowSchema : undefined;
  const inputFields = inputSchema
    ? inputSchema.fields.map((field) =>
        DataType.isDictionary(field.type) ? new Field(field.name, field.type.dictionary, true, field.metadata) : field,
      )
    : source.columns.map((column) => new Field(column, new Utf8(), true));
  const fields = [...inputFields, ...added.map((column) => new Field(column.name, ARROW_TYPES[column.type](), true))];
  const schema = new Schema(fields, inputSchema?.metadata);
  const convert: Array<(value: unknown) => unknown> = [
    ...inputFields.map((field) => (!inputSchema ? textOrNull : isNested(field.type) ? plainValue : undefinedToNull)),
    ...added.map((column) => (value: unknown) => coerceAdded(value, column.type)),
  ];
  const builders: Builder[] = fields.map((field) => makeBuilder({ type: field.type, nullValues: [null, undefined] }));
  let pending = 0;

  const collector = new ChunkCollector();
  const writer = fileFormat ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  // With a schema, reset() writes it (and the file magic) right away: an empty table is still valid.
  writer.reset(collector, schema);

  const emitBatch = (): void => {
    if (pending === 0) return;
    // flush() hands over the values so far and leaves the builder empty for the next batch.
    const children = builders.map((builder) => builder.flush());
    const data = makeData({ type: new Struct(fields), length: pending, nullCount: 0, children });
    pending = 0;
    writer.write(new RecordBatch(schema, data));
  };

  return {
    write(row) {
      for (let i = 0; i < builders.length; i++) builders[i].append(convert[i](row[i]));
      if (++pending < BATCH_ROWS) return DONE;
      emitBatch();
      return target.write(collector.take());
    },
    async finish() {
      emitBatch();
      writer.finish();
      await target.write(collector.take());
      await target.finish();
    },
    async abort(keepPartial) {
      // A kept partial file is still a readable table: flush the rows held here and close the writer.
      if (keepPartial) {
        try {
          emitBatch();
          writer.finish();
          await target.write(collector.take());
        } catch {
          // The target failed; whatever reached it is what the partial file holds.
        }
      }
      return target.abort(keepPartial);
    },
  };
}

function isNested(type: DataType): boolean {
  return DataType.isList(type) || DataType.isFixedSizeList(type) || DataType.isStruct(type) || DataType.isMap(type);
}

/**
 * A nested value read from Arrow (a Vector for a list, a StructRow or MapRow) as plain arrays and
 * objects: the builders index into list values with [i], which a Vector does not support.
 */
function plainValue(value: unknown): unknown {
  if (value instanceof Vector) return Array.from(value as Iterable<unknown>, plainValue);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
    const toJSON = (value as { toJSON?: () => Record<string, unknown> }).toJSON;
    if (typeof toJSON !== 'function') return value;
    const object = toJSON.call(value);
    for (const key of Object.keys(object)) object[key] = plainValue(object[key]);
    return object;
  }
  return value === undefined ? null : value;
}

function undefinedToNull(value: unknown): unknown {
  return value === undefined ? null : value;
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : cellText(value);
}
