/**
 * An Arrow table with a column of every type llmap must pass through and render: two batches of
 * rows with zero-row batches around them, a dictionary that grows by a delta in the second batch,
 * field, extension and schema metadata. Values the JS builders would round (nanoseconds, int64
 * extremes, decimals) are laid straight into buffers.
 */
import {
  Binary, Data, DateDay, DateMillisecond, Decimal, Dictionary, DurationMicrosecond, DurationMillisecond, DurationNanosecond,
  DurationSecond, Field, FixedSizeBinary, FixedSizeList, Float16, Float32, Float64, Int32, Int64, LargeBinary, LargeList,
  LargeUtf8, List, makeData, Map_, RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter, Schema, Struct,
  TimeMicrosecond, TimeMillisecond, TimeNanosecond, TimeSecond, TimestampMicrosecond, TimestampMillisecond,
  TimestampNanosecond, TimestampSecond, Uint64, Utf8, vectorFromArray, type DataType,
} from 'apache-arrow';

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

/** Validity bitmap of `values` (null/undefined = null). */
export function bitmap(values: readonly unknown[]): { nullCount: number; nullBitmap: Uint8Array } {
  const bytes = new Uint8Array(Math.ceil(values.length / 8) || 1);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else bytes[i >> 3] |= 1 << (i & 7);
  });
  return { nullCount, nullBitmap: bytes };
}

/** A fixed-width column from raw values (nulls stored as 0). */
export function flat(type: DataType, values: ReadonlyArray<number | bigint | null>): Data {
  const Ctor = type.ArrayType as { new (n: number): ArrayLike<number | bigint> & { [i: number]: number | bigint } };
  const data = new Ctor(values.length);
  const big = data instanceof BigInt64Array || data instanceof BigUint64Array;
  values.forEach((v, i) => (data[i] = v ?? (big ? 0n : 0)));
  return makeData({ type, length: values.length, ...bitmap(values), data } as never);
}

/** A decimal column from unscaled values: little-endian two's-complement 32-bit words. */
export function decimal(type: Decimal, values: ReadonlyArray<bigint | null>): Data {
  const stride = type.bitWidth / 32;
  const words = new Uint32Array(values.length * stride);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(type.bitWidth, v ?? 0n);
    for (let w = 0; w < stride; w++, x >>= 32n) words[i * stride + w] = Number(x & 0xffffffffn);
  });
  return makeData({ type, length: values.length, ...bitmap(values), data: words });
}

export function built(type: DataType, values: readonly unknown[]): Data {
  return vectorFromArray(values as never, type).data[0];
}

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One column: its field and the data of batch A (3 rows) and batch B (2 rows). */
interface Column {
  field: Field;
  a: Data;
  b: Data;
}

function column(name: string, type: DataType, a: Data, b: Data, metadata?: Record<string, string>): Column {
  return { field: new Field(name, type, true, metadata ? new Map(Object.entries(metadata)) : undefined), a, b };
}

function both(name: string, type: DataType, a: readonly unknown[], b: readonly unknown[], make: (t: DataType, v: never) => Data = built as never) {
  return column(name, type, make(type, a as never), make(type, b as never));
}

function zooColumns(): Column[] {
  const dictType = new Dictionary(new Utf8(), new Int32(), 0);
  const first = vectorFromArray(['en', 'fr'], new Utf8());
  const grown = first.concat(vectorFromArray(['de'], new Utf8()));
  const dictA = makeData({ type: dictType, length: 3, ...bitmap([0, null, 1]), data: Int32Array.from([0, 0, 1]), dictionary: first });
  const dictB = makeData({ type: dictType, length: 2, nullCount: 0, data: Int32Array.from([2, 0]), dictionary: grown });
  const dec128 = new Decimal(4, 38, 128);
  const dec256 = new Decimal(10, 76, 256);
  const ny = 'America/New_York';
  const mapType = new Map_(new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]), false));
  const structType = new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]);
  return [
    column('id', new Int32(), flat(new Int32(), [0, 1, 2]), flat(new Int32(), [3, 4]), { comment: 'row id' }),
    column('dict', dictType, dictA, dictB),
    both('large_text', new LargeUtf8(), ['a,"b"\r\n', null, '😀'], ['', '=1+1']),
    both('large_list', new LargeList(new Field('item', new Int64(), true)), [[1n, 2n], null, []], [[I64_MAX], [-1n, null]]),
    both('list', new List(new Field('item', new Utf8(), true)), [['x', 'y'], [], null], [['z'], null]),
    both('dec128', dec128, [123456789012345678901234567890123n, -1n, null], [0n, 10n ** 38n - 1n], decimal as never),
    both('dec256', dec256, [-(10n ** 76n - 1n), 5n, null], [10n ** 10n, -123n], decimal as never),
    both('ts_s', new TimestampSecond(), [1709642096n, -1n, null], [0n, 253402300799n], flat as never),
    both('ts_ms_utc', new TimestampMillisecond('UTC'), [1709642096789n, -1n, null], [0n, 1n], flat as never),
    both('ts_us', new TimestampMicrosecond(), [1709642096123456n, -1n, null], [0n, 1n], flat as never),
    both('ts_ns', new TimestampNanosecond(), [1700000000123456789n, I64_MAX, null], [I64_MIN, 0n], flat as never),
    both('ts_ns_ny', new TimestampNanosecond(ny), [1700000000123456789n, I64_MAX, null], [-1n, 1719000000000000000n], flat as never),
    both('ts_us_off', new TimestampMicrosecond('+05:30'), [1709642096123456n, 0n, null], [-1n, 1n], flat as never),
    both('d32', new DateDay(), [19787, -719528, null], [0, 2932896], flat as never),
    both('d64', new DateMillisecond(), [1709596800000n, 1709642096789n, null], [0n, -86400000n], flat as never),
    both('t32s', new TimeSecond(), [45296, 0, null], [86399, 1], flat as never),
    both('t32ms', new TimeMillisecond(), [45296789, 0, null], [86399999, 1], flat as never),
    both('t64us', new TimeMicrosecond(), [45296123456n, 0n, null], [86399999999n, 1n], flat as never),
    both('t64ns', new TimeNanosecond(), [45296123456789n, 0n, null], [86399999999999n, 1n], flat as never),
    both('dur_s', new DurationSecond(), [90n, -1n, null], [0n, I64_MAX], flat as never),
    both('dur_ms', new DurationMillisecond(), [1500n, -1n, null], [0n, 1n], flat as never),
    both('dur_us', new DurationMicrosecond(), [1500000n, -1n, null], [0n, 1n], flat as never),
    both('dur_ns', new DurationNanosecond(), [1500000000n, -1n, null], [0n, I64_MIN], flat as never),
    both('bin', new Binary(), [bytes(0, 255), null, bytes()], [text('hi'), bytes(0)]),
    both('large_bin', new LargeBinary(), [bytes(1, 2, 3), null, bytes()], [bytes(251, 255), bytes(0)]),
    column('uuid', new FixedSizeBinary(4), built(new FixedSizeBinary(4), [bytes(0, 1, 2, 255), null, bytes(9, 9, 9, 9)]),
      built(new FixedSizeBinary(4), [bytes(0, 0, 0, 0), bytes(255, 255, 255, 255)]), { 'ARROW:extension:name': 'llmap.test4', 'ARROW:extension:metadata': '' }),
    both('map', mapType, [new Map([['a', 1], ['b', null]]), null, new Map()], [new Map([['=x', 2]]), new Map()]),
    both('struct', structType, [{ a: 1, b: 'x' }, null, { a: null, b: 'q"' }], [{ a: -1, b: '' }, { a: 2, b: null }]),
    both('i64', new Int64(), [I64_MAX, I64_MIN, null], [0n, -1n], flat as never),
    both('u64', new Uint64(), [2n ** 64n - 1n, 0n, null], [9007199254740993n, 1n], flat as never),
    both('f16', new Float16(), [1.5, null, -0], [65504, Infinity]),
    both('f32', new Float32(), [0.1, NaN, -0], [Infinity, null], flat as never),
    both('f64', new Float64(), [1e-300, -Infinity, 5e-324], [1.7976931348623157e308, -0], flat as never),
    both('fsl', new FixedSizeList(2, new Field('item', new Float64(), true)), [[1, 2], null, [0.5, null]], [[3, 4], [-0, 1e21]]),
  ];
}

/** Every column's field, as the zoo's schema holds it. */
export function zooSchema(): Schema {
  return new Schema(zooColumns().map((c) => c.field), new Map([['origin', 'llmap type zoo'], ['pandas', '{"index_columns": []}']]));
}

/** The zoo's batches: empty, A (3 rows), empty, B (2 rows, dictionary delta), empty. */
export function zooBatches(): RecordBatch[] {
  const columns = zooColumns();
  const schema = new Schema(columns.map((c) => c.field), zooSchema().metadata);
  const batch = (children: Data[], length: number) => new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
  const a = batch(columns.map((c) => c.a), 3);
  const b = batch(columns.map((c) => c.b), 2);
  return [a.slice(0, 0), a, b.slice(0, 0), b, b.slice(2, 2)];
}

/** The zoo as IPC file or stream bytes. */
export function zooIpc(kind: 'file' | 'stream'): Uint8Array {
  const writer = kind === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  const batches = zooBatches();
  writer.reset(undefined, batches[0].schema);
  for (const batch of batches) writer.write(batch);
  return writer.finish().toUint8Array(true);
}

