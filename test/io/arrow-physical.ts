/**
 * What an Arrow column physically holds, cell by cell, independent of how it is sliced or batched:
 * validity and the bytes of each value (offsets resolved, slice offsets applied), recursively for
 * nested types, dictionary cells as their index and the dictionary value's bytes. Two columns with
 * the same cells here hold the same buffers, up to batching and the rebasing of offsets.
 */
import { DataType, Type, UnionMode, type Data, type Field, type Schema, type Table } from 'apache-arrow';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function fixedBytes(data: Data, i: number, width: number): string {
  const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  const size = width * values.BYTES_PER_ELEMENT;
  return hex(new Uint8Array(values.buffer, values.byteOffset + i * size, size));
}

function range(data: Data, i: number): [number, number] {
  const at = data.valueOffsets as Int32Array | BigInt64Array;
  return [Number(at[i]), Number(at[i + 1])];
}

/** The physical text of cell `i` of `data`. */
export function physicalCell(data: Data, i: number): string {
  const type = data.type as DataType;
  if (type.typeId === Type.Null) return 'null';
  if (type.typeId !== Type.Union && !data.getValid(i)) return 'null';
  switch (type.typeId) {
    case Type.Bool: {
      const at = data.offset + i;
      return (data.values as Uint8Array)[at >> 3] & (1 << (at & 7)) ? 'T' : 'F';
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      const [start, end] = range(data, i);
      return hex((data.values as Uint8Array).subarray(start, end));
    }
    case Type.List:
    case Type.LargeList:
    case Type.Map: {
      const [start, end] = range(data, i);
      const items: string[] = [];
      for (let k = start; k < end; k++) items.push(physicalCell(data.children[0], k));
      return `[${items.join(' ')}]`;
    }
    case Type.FixedSizeList: {
      const size = (type as DataType & { listSize: number }).listSize;
      const items: string[] = [];
      for (let k = i * size; k < (i + 1) * size; k++) items.push(physicalCell(data.children[0], k));
      return `[${items.join(' ')}]`;
    }
    case Type.Struct:
      return `{${data.children.map((child) => physicalCell(child, i)).join(' ')}}`;
    case Type.Union: {
      const union = type as DataType & { mode: UnionMode; typeIdToChildIndex: Record<number, number> };
      const id = (data.typeIds as Int8Array)[i];
      const at = union.mode === UnionMode.Dense ? (data.valueOffsets as Int32Array)[i] : i;
      return `${id}:${physicalCell(data.children[union.typeIdToChildIndex[id]], at)}`;
    }
    case Type.Dictionary: {
      const key = Number((data.values as ArrayLike<number | bigint>)[i]);
      let at = key;
      for (const chunk of data.dictionary!.data) {
        if (at < chunk.length) return `#${key}=${physicalCell(chunk, at)}`;
        at -= chunk.length;
      }
      return `#${key}=missing`;
    }
    default:
      // Fixed width: ints, floats, decimals, dates, times, timestamps, durations, intervals, fixed-size binary.
      return fixedBytes(data, i, data.stride);
  }
}

/** Every cell of column `name`, in order, over all batches. */
export function physicalColumn(table: Table, name: string): string[] {
  const j = table.schema.fields.findIndex((field) => field.name === name);
  const cells: string[] = [];
  for (const batch of table.batches) {
    const data = batch.data.children[j];
    for (let i = 0; i < batch.numRows; i++) cells.push(physicalCell(data, i));
  }
  return cells;
}

/** A field's description: name, type (dictionary id, ordering and index type included), nullability, metadata. */
export function fieldText(field: Field): string {
  const type = field.type as DataType;
  const dictionary = DataType.isDictionary(type) ? ` id=${type.id} ordered=${type.isOrdered} indices=${type.indices}` : '';
  return `${field.name}: ${type}${dictionary} nullable=${field.nullable} ${JSON.stringify([...field.metadata])}`;
}

/** A schema's fields and metadata, as comparable text. */
export function schemaText(schema: Schema): string[] {
  return [...schema.fields.map(fieldText), `metadata ${JSON.stringify([...schema.metadata])}`];
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The strings of a Utf8 column, decoded from its buffers (apache-arrow's own get() drops a leading
 * U+FEFF, which is data).
 */
export function utf8Column(table: Table, name: string): Array<string | null> {
  const j = table.schema.fields.findIndex((field) => field.name === name);
  const cells: Array<string | null> = [];
  for (const batch of table.batches) {
    const data = batch.data.children[j];
    for (let i = 0; i < batch.numRows; i++) {
      if (!data.getValid(i)) cells.push(null);
      else {
        const [start, end] = range(data, i);
        cells.push(utf8.decode((data.values as Uint8Array).subarray(start, end)));
      }
    }
  }
  return cells;
}
