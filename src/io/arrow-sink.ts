import { DataType, Field, makeBuilder, makeData, RecordBatch, Schema, Struct, Utf8, Vector, type Builder } from 'apache-arrow';
import { UsageError } from '../errors.js';
import { addedArrowType } from './arrow-added-type.js';
import type { BatchEncoder } from './batch-encoder.js';
import { DONE, type ByteTarget } from './byte-target.js';
import { cellText } from './cell-text.js';
import { coerceAdded } from './coerce-added.js';
import type { AddedColumn, Row, TableSink, WriteOptions } from './table.js';

/** Rows per record batch: big enough to amortise per-batch metadata, small enough to stream. */
const BATCH_ROWS = 1024;

/**
 * Rows held while a vector column's size is still unknown (no vector seen yet). The schema, so the
 * size, must be written before the first row; past this many rows it cannot be learnt in bounded memory.
 */
export const MAX_HELD_ROWS = 65_536;

/**
 * Writes record batches through `encoder` (Arrow IPC file or stream, Parquet). The schema is the input's Arrow fields with their
 * types (text input: Utf8) plus the added columns (Utf8, Bool, Int32, Float64, FixedSizeList<Float32>;
 * all nullable). Dictionary columns are written as their value type, so batches need no dictionary
 * bookkeeping. A vector column without a `listSize` takes the length of its first vector: rows are
 * held until one arrives (at most MAX_HELD_ROWS), and with none at all the size is 0.
 */
export function createArrowSink(
  target: ByteTarget,
  source: WriteOptions['source'],
  added: AddedColumn[],
  encoder: BatchEncoder,
): TableSink {
  const inputSchema = source.arrowSchema instanceof Schema ? source.arrowSchema : undefined;
  const inputFields = inputSchema
    ? inputSchema.fields.map((field) =>
        DataType.isDictionary(field.type) ? new Field(field.name, field.type.dictionary, true, field.metadata) : field,
      )
    : source.columns.map((column) => new Field(column, new Utf8(), true));
  const listSizes = added.map((column) => column.listSize);
  let rowsSeen = 0;
  const convert: Array<(value: unknown) => unknown> = [
    ...inputFields.map((field) => (!inputSchema ? textOrNull : isNested(field.type) ? plainValue : undefinedToNull)),
    ...added.map((column, k) =>
      column.type === 'float32-vector'
        ? (value: unknown) => checkedVector(value, column.name, listSizes[k], rowsSeen)
        : (value: unknown) => coerceAdded(value, column.type),
    ),
  ];
  let open: OpenWriter | undefined;
  let held: Row[] = [];

  const start = (): OpenWriter => {
    const fields = [
      ...inputFields,
      ...added.map((column, k) => new Field(column.name, addedArrowType(column, listSizes[k] ?? 0), true)),
    ];
    const writer = openWriter(new Schema(fields, inputSchema?.metadata), encoder);
    for (const cells of held) writer.append(cells);
    held = [];
    return writer;
  };
  // Sizes not known yet: the index (among `added`) of each vector column still waiting for one.
  const unsized = (): number[] => listSizes.flatMap((size, k) => (size === undefined && added[k].type === 'float32-vector' ? [k] : []));
  if (unsized().length === 0) open = start();

  /** Holds a row until every vector column's size is known; returns the writer once it is. */
  const hold = (row: Row): OpenWriter | undefined => {
    const cells = convert.map((fn, i) => fn(row[i]));
    const at = inputFields.length;
    for (const k of unsized()) {
      const cell = cells[at + k];
      if (cell instanceof Float32Array) listSizes[k] = cell.length;
    }
    held.push(cells);
    const waiting = unsized();
    if (waiting.length === 0) open = start();
    else if (held.length >= MAX_HELD_ROWS) {
      throw new UsageError(
        `cannot write Arrow: none of the first ${MAX_HELD_ROWS} rows has a vector in column '${added[waiting[0]].name}', ` +
          'so its size is unknown; give it with --dimensions, or write CSV or JSONL',
      );
    }
    return open;
  };

  return {
    write(input, addedCells) {
      const row = input.concat(addedCells);
      rowsSeen++;
      if (open) open.appendRow(row, convert);
      else if (!hold(row)) return DONE;
      return open!.maybeEmit(target);
    },
    async finish() {
      open ??= start();
      await open.finish(target);
      await target.finish();
    },
    async abort(keepPartial) {
      // A kept partial file is still a readable table: flush the rows held here and close the writer.
      if (keepPartial) {
        try {
          open ??= start();
          await open.finish(target);
        } catch {
          // The target failed; whatever reached it is what the partial file holds.
        }
      }
      return target.abort(keepPartial);
    },
  };
}

/** The writer once the schema is known: builders, batching and the IPC writer. */
interface OpenWriter {
  /** Appends already converted cells. */
  append(cells: unknown[]): void;
  /** Converts and appends a row (the per-row path: no intermediate array). */
  appendRow(row: Row, convert: Array<(value: unknown) => unknown>): void;
  /** Writes a record batch to `target` when enough rows are pending. */
  maybeEmit(target: ByteTarget): Promise<void> | typeof DONE;
  /** Writes the last batch and the footer to `target`. */
  finish(target: ByteTarget): Promise<void>;
}

function openWriter(schema: Schema, encoder: BatchEncoder): OpenWriter {
  const fields = schema.fields;
  const builders: Builder[] = fields.map((field) => makeBuilder({ type: field.type, nullValues: [null, undefined] }));
  let pending = 0;
  // The opening bytes go out with the first write (an empty table still gets them at finish).
  let head: Uint8Array | Promise<Uint8Array> | undefined = encoder.start(schema);

  const emitBatch = (): Uint8Array | Promise<Uint8Array> | undefined => {
    if (pending === 0) return undefined;
    // flush() hands over the values so far and leaves the builder empty for the next batch.
    const children = builders.map((builder) => builder.flush());
    const data = makeData({ type: new Struct(fields), length: pending, nullCount: 0, children });
    pending = 0;
    return encoder.write(new RecordBatch(schema, data));
  };
  const send = async (target: ByteTarget, parts: Array<Uint8Array | Promise<Uint8Array> | undefined>): Promise<void> => {
    const bytes = await Promise.all([head, ...parts]);
    head = undefined;
    const chunk = Buffer.concat(bytes.filter((b): b is Uint8Array => b !== undefined && b.length > 0));
    if (chunk.length > 0) await target.write(chunk);
  };

  return {
    append(cells) {
      for (let i = 0; i < builders.length; i++) builders[i].append(cells[i]);
      pending++;
    },
    appendRow(row, convert) {
      for (let i = 0; i < builders.length; i++) builders[i].append(convert[i](row[i]));
      pending++;
    },
    maybeEmit(target) {
      if (pending < BATCH_ROWS) return DONE;
      return send(target, [emitBatch()]);
    },
    async finish(target) {
      const last = await emitBatch();
      await send(target, [last, await encoder.finish()]);
    },
  };
}

/** A vector cell, checked against its column's size (a FixedSizeList cannot hold another length). */
function checkedVector(value: unknown, column: string, size: number | undefined, row: number): Float32Array | null {
  const vector = coerceAdded(value, 'float32-vector') as Float32Array | null;
  if (vector !== null && size !== undefined && vector.length !== size) {
    throw new Error(`output row ${row} has a vector of ${vector.length} values in column '${column}', but the column holds ${size}`);
  }
  return vector;
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
