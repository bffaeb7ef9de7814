import { DataType, Dictionary, Field, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import { addedColumnBuilder, type ColumnBuilder } from './added-column-builder.js';
import { UsageError } from '../errors.js';
import { addedArrowType } from './arrow-added-type.js';
import { passThroughColumns, textColumns, type InputColumns } from './arrow-input-columns.js';
import type { BatchEncoder } from './batch-encoder.js';
import { DONE, type ByteTarget } from './byte-target.js';
import { coerceAdded } from './coerce-added.js';
import { Utf8Column } from './utf8-column.js';
import type { AddedColumn, Row, TableSink, WriteOptions } from './table.js';

/**
 * Rows per record batch at most: big enough to amortise each batch's encoding (the Parquet writer's
 * per-batch cost most of all; 8,192 is also the batch Parquet input is read in), small enough to stream.
 */
const BATCH_ROWS = 8192;

/**
 * Characters of text (added cells, and text input's cells) a pending batch holds at most: long cells
 * (documents, long answers) make smaller batches, so memory does not grow with BATCH_ROWS.
 */
export const BATCH_CHARS = 8 << 20;

/**
 * Rows held while a vector column's size is still unknown (no vector seen yet). The schema, so the
 * size, must be written before the first row; past this many rows it cannot be learnt in bounded memory.
 */
export const MAX_HELD_ROWS = 65_536;

type Bytes = Uint8Array | Promise<Uint8Array> | undefined;

/**
 * Writes record batches through `encoder` (Arrow IPC file or stream, Parquet). Arrow input passes
 * through: the schema is the input's (fields, types, metadata) plus the added columns, and each
 * batch reuses a slice of one input batch's column data (see passThroughColumns). Text input
 * becomes Utf8 columns. Added columns are built (Utf8, Bool, Int32, Float64, FixedSizeList<Float32>;
 * all nullable). A vector column without a `listSize` takes the length of its first vector: rows
 * are held until one arrives (at most MAX_HELD_ROWS), and with none at all the size is 0.
 */
export function createArrowSink(
  target: ByteTarget,
  source: WriteOptions['source'],
  added: AddedColumn[],
  encoder: BatchEncoder,
): TableSink {
  const inputSchema = source.arrowSchema instanceof Schema ? source.arrowSchema : undefined;
  const input = inputSchema ? passThroughColumns(inputSchema) : textColumns(source.columns, source.cellText);
  const listSizes = added.map((column) => column.listSize);
  let rowsSeen = 0;
  const convert = added.map((column, k) =>
    column.type === 'float32-vector'
      ? (value: unknown) => checkedVector(value, column.name, listSizes[k], rowsSeen)
      : (value: unknown) => coerceAdded(value, column.type),
  );
  const scratch = new Array<unknown>(added.length);
  let open: OpenWriter | undefined;
  let held: Array<[Row, unknown[]]> = [];

  const start = (): OpenWriter => {
    const dictionaryIds = new Set(inputSchema?.dictionaries.keys());
    const fields = [
      ...input.fields,
      ...added.map((column, k) => new Field(column.name, ownDictionaryId(addedArrowType(column, listSizes[k] ?? 0), dictionaryIds), true)),
    ];
    const writer = openWriter(new Schema(fields, inputSchema?.metadata), input, encoder);
    for (const [row, cells] of held) writer.append(row, cells);
    held = [];
    return writer;
  };
  // Sizes not known yet: the index (among `added`) of each vector column still waiting for one.
  const unsized = (): number[] => listSizes.flatMap((size, k) => (size === undefined && added[k].type === 'float32-vector' ? [k] : []));
  if (unsized().length === 0) open = start();

  /** Holds a row until every vector column's size is known; returns the writer once it is. */
  const hold = (row: Row, cells: unknown[]): OpenWriter | undefined => {
    for (const k of unsized()) {
      const cell = cells[k];
      if (cell instanceof Float32Array) listSizes[k] = cell.length;
    }
    held.push([row, cells]);
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
    write(row, addedCells) {
      rowsSeen++;
      if (open) {
        // The writer takes the cells at once: one array serves every row.
        for (let k = 0; k < convert.length; k++) scratch[k] = convert[k](addedCells[k]);
        open.append(row, scratch);
        return open.send(target);
      }
      if (!hold(row, convert.map((fn, k) => fn(addedCells[k])))) return DONE;
      return open!.send(target);
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

/** The writer once the schema is known: batching, the added columns' builders and the encoder. */
interface OpenWriter {
  /** Appends a row (added cells already converted, read at once and not kept); a full batch is encoded, its bytes queued. */
  append(row: Row, cells: unknown[]): void;
  /** Writes the queued bytes to `target`. */
  send(target: ByteTarget): Promise<void>;
  /** Writes the last batch and the footer to `target`. */
  finish(target: ByteTarget): Promise<void>;
}

function openWriter(schema: Schema, input: InputColumns, encoder: BatchEncoder): OpenWriter {
  const fields = schema.fields;
  const builders: ColumnBuilder[] = fields.slice(input.fields.length).map((field) => addedColumnBuilder(field.type));
  const texts = builders.filter((builder): builder is Utf8Column => builder instanceof Utf8Column);
  const pendingChars = (): number => {
    let chars = input.pendingChars();
    for (const text of texts) chars += text.chars;
    return chars;
  };
  let pending = 0;
  // The opening bytes go out with the first write (an empty table still gets them at finish).
  let queued: Bytes[] = [encoder.start(schema)];

  const emitBatch = (): void => {
    if (pending === 0) return;
    // flush() hands over the values so far and leaves the builder empty for the next batch.
    const children = [...input.take(), ...builders.map((builder) => builder.flush())];
    const data = makeData({ type: new Struct(fields), length: pending, nullCount: 0, children });
    pending = 0;
    queued.push(encoder.write(new RecordBatch(schema, data)));
  };
  const send = async (target: ByteTarget): Promise<void> => {
    const parts = queued;
    queued = [];
    const bytes = await Promise.all(parts);
    const chunk = Buffer.concat(bytes.filter((b): b is Uint8Array => b !== undefined && b.length > 0));
    if (chunk.length > 0) await target.write(chunk);
  };

  return {
    append(row, cells) {
      if (pending > 0 && !input.follows(row)) emitBatch();
      input.add(row);
      for (let k = 0; k < builders.length; k++) builders[k].append(cells[k]);
      if (++pending >= BATCH_ROWS || pendingChars() >= BATCH_CHARS) emitBatch();
    },
    send: (target) => (queued.length === 0 ? DONE : send(target)),
    async finish(target) {
      emitBatch();
      queued.push(encoder.finish());
      await send(target);
    },
  };
}

/**
 * An added column's type with a dictionary id no other column uses: apache-arrow numbers new
 * dictionaries from a counter of its own, which may give an id the input's dictionaries have, and
 * two dictionaries under one id would be written as one.
 */
function ownDictionaryId(type: DataType, used: Set<number>): DataType {
  if (!DataType.isDictionary(type)) return type;
  let id = type.id;
  while (used.has(id)) id++;
  used.add(id);
  return id === type.id ? type : new Dictionary(type.dictionary, type.indices, id, type.isOrdered);
}

/** A vector cell, checked against its column's size (a FixedSizeList cannot hold another length). */
function checkedVector(value: unknown, column: string, size: number | undefined, row: number): Float32Array | null {
  const vector = coerceAdded(value, 'float32-vector') as Float32Array | null;
  if (vector !== null && size !== undefined && vector.length !== size) {
    throw new Error(`output row ${row} has a vector of ${vector.length} values in column '${column}', but the column holds ${size}`);
  }
  return vector;
}
