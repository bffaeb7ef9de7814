/**
 * Arrow input written as Parquet, read by DuckDB: the types an Arrow user starts from (dictionary,
 * decimal, timestamps with a zone, lists, structs) arrive with the types DuckDB should see and every
 * value exact, across record batches of uneven sizes and several row groups.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Decimal, DenseUnion, Dictionary, Field, Float64, Int32, Int64, List, Struct, Table, TimestampMicrosecond, TimestampMillisecond, Utf8,
  makeBuilder, makeData, makeVector, RecordBatch, RecordBatchStreamWriter, Schema, tableFromIPC, tableToIPC, vectorFromArray, type DataType, type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { useDuck } from './duckdb.js';
import { dir, useServerAndTempDir } from './fixture.js';
import { arrowOfParquet, columnJson, fieldTypes } from './parquet-arrow.js';

useServerAndTempDir();

const duckdb = useDuck();

const ROWS = 2500;
const nth = (i: number, k: number, r: number): boolean => i % k === r;

/** A 128-bit decimal's unscaled value as apache-arrow stores it: four little-endian 32-bit words, two's complement. */
function decimalWords(unscaled: bigint): Uint32Array {
  const bits = BigInt.asUintN(128, unscaled);
  return Uint32Array.from({ length: 4 }, (_, k) => Number((bits >> BigInt(32 * k)) & 0xffffffffn));
}

/** The decimal as DuckDB prints it: the unscaled value with `scale` digits after the point. */
function decimalText(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The input's values, row i (nulls in every column, at different rows). */
const values = {
  tag: (i: number) => (nth(i, 6, 5) ? null : ['red', 'blue', 'green'][i % 3]),
  price: (i: number) => (nth(i, 7, 3) ? null : BigInt(i) * 12_345n - 9_000_000n),
  big: (i: number) => (nth(i, 11, 2) ? null : (i % 2 === 0 ? 1n : -1n) * (10n ** 37n + BigInt(i) * 987_654_321_987n)),
  ts: (i: number) => (nth(i, 9, 4) ? null : 1_700_000_000_123_456n + BigInt(i) * 1_000_001n),
  paris: (i: number) => (nth(i, 13, 1) ? null : Date.UTC(2024, 2, 31, 0, 30) + i * 3_600_000),
  tags: (i: number) => (nth(i, 8, 7) ? null : Array.from({ length: i % 4 }, (_, k) => (k === 1 ? null : `t${i}-${k}`))),
  point: (i: number) => (nth(i, 10, 9) ? null : { a: nth(i, 5, 0) ? null : i * 7, b: `p${i}`, c: nth(i, 3, 0) ? [] : [i / 4, -i] }),
};

/** An Int64 vector's buffers as another 64-bit type: apache-arrow's timestamp builders take milliseconds, not exact micros. */
function retyped(vector: Vector, type: DataType): Vector {
  const data = vector.data[0];
  return makeVector(makeData({ type, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, data: data.values } as never));
}

function writeInput(file: string): void {
  const rows = Array.from({ length: ROWS }, (_, i) => i);
  const column = <T>(make: (i: number) => T, type: DataType) => vectorFromArray(rows.map(make) as never[], type);
  const whole = new Table({
    id: column((i) => BigInt(i + 1), new Int64()),
    text: column((i) => `question ${i + 1}`, new Utf8()),
    tag: column(values.tag, new Dictionary(new Utf8(), new Int32())),
    price: column((i) => { const v = values.price(i); return v === null ? null : decimalWords(v); }, new Decimal(3, 12, 128)),
    big: column((i) => { const v = values.big(i); return v === null ? null : decimalWords(v); }, new Decimal(10, 38, 128)),
    ts: retyped(column(values.ts, new Int64()), new TimestampMicrosecond('UTC')),
    paris: column(values.paris, new TimestampMillisecond('Europe/Paris')),
    tags: column(values.tags, new List(new Field('item', new Utf8(), true))),
    point: column(values.point, new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true), new Field('c', new List(new Field('item', new Float64(), true)), true)])),
  });
  // Uneven record batches: one row, then a batch that spans the writer's batches and row groups.
  const cuts = [0, 1, 1300, 1301, ROWS];
  const batch = whole.batches[0];
  writeFileSync(file, tableToIPC(new Table(cuts.slice(1).map((end, k) => batch.slice(cuts[k], end))), 'file'));
}

describe('Arrow input to Parquet output', () => {
  it('DuckDB reads dictionary, decimal, zoned timestamp, list and struct columns with their types and exact values', async () => {
    const input = path.join(dir, 'in.arrow');
    writeInput(input);
    const out = path.join(dir, 'out.parquet');
    const res = await runCli(['run', input, '-c', 'text', '-o', out, '--parquet-row-group-size', '1000', '-p', 'echo', '--cache-dir', path.join(dir, 'c'), '-q']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);

    expect(await duckdb().columns(out)).toEqual([
      'id:BIGINT', 'text:VARCHAR', 'tag:VARCHAR', 'price:DECIMAL(12,3)', 'big:DECIMAL(38,10)',
      'ts:TIMESTAMP WITH TIME ZONE', 'paris:TIMESTAMP WITH TIME ZONE', 'tags:VARCHAR[]',
      'point:STRUCT(a INTEGER, b VARCHAR, c DOUBLE[])', 'response:VARCHAR',
    ]);
    expect(await duckdb().rows(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${out}')`)).toEqual([{ n: '3' }]);
    // Decimals as DuckDB's text and timestamps as epoch counts: exact, whatever the session's zone.
    const rows = await duckdb().rows(`
      SELECT id, text, tag, price::VARCHAR AS price, big::VARCHAR AS big, epoch_us(ts) AS ts, epoch_ms(paris) AS paris, tags, point, response
      FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`);
    const text = (v: bigint | number | null) => (v === null ? null : String(v));
    expect(rows).toEqual(Array.from({ length: ROWS }, (_, i) => {
      const price = values.price(i);
      const big = values.big(i);
      const point = values.point(i);
      return {
        id: String(i + 1), text: `question ${i + 1}`, tag: values.tag(i),
        price: price === null ? null : decimalText(price, 3), big: big === null ? null : decimalText(big, 10),
        ts: text(values.ts(i)), paris: text(values.paris(i)), tags: values.tags(i),
        point, response: `question ${i + 1}`,
      };
    }));

    // An Arrow reader gets the input's own types back (the zone names, the decimal's precision) and the same values.
    const before = tableFromIPC(readFileSync(input));
    const after = arrowOfParquet(out);
    expect(fieldTypes(after)).toEqual([...fieldTypes(before), 'response:Utf8']);
    for (const field of before.schema.fields) expect(columnJson(after, field.name), field.name).toBe(columnJson(before, field.name));
  });

  it('an Arrow stream that replaces a dictionary between record batches becomes Parquet DuckDB reads value for value', async () => {
    const schema = new Schema([new Field('tag', new Dictionary(new Utf8(), new Int32(), 0), true), new Field('text', new Utf8(), true)]);
    const batch = (tags: Array<string | null>, texts: string[]): RecordBatch => {
      const children = [vectorFromArray(tags, schema.fields[0].type).data[0], vectorFromArray(texts, new Utf8()).data[0]];
      return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: tags.length, nullCount: 0, children }));
    };
    const writer = new RecordBatchStreamWriter();
    writer.reset(undefined, schema);
    writer.write(batch(['a', 'b', 'a'], ['q1', 'q2', 'q3']));
    writer.write(batch(['c', 'd', null], ['q4', 'q5', 'q6']));
    writer.finish();
    const input = path.join(dir, 'in.arrows');
    writeFileSync(input, writer.toUint8Array(true));
    expect(tableFromIPC(readFileSync(input)).getChild('tag')!.data.map((d) => [...d.dictionary!])).toEqual([['a', 'b'], ['c', 'd']]);

    const out = path.join(dir, 'out.parquet');
    const res = await runCli(['run', input, '-c', 'text', '-o', out, '-p', 'echo', '--cache-dir', path.join(dir, 'c'), '-q']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(await duckdb().columns(out)).toEqual(['tag:VARCHAR', 'text:VARCHAR', 'response:VARCHAR']);
    expect(await duckdb().rows(`SELECT tag, response FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`)).toEqual(
      [['a', 'q1'], ['b', 'q2'], ['a', 'q3'], ['c', 'q4'], ['d', 'q5'], [null, 'q6']].map(([tag, response]) => ({ tag, response })),
    );
  });

  it('a column the Parquet writer cannot encode (a dense union) fails the run with one line, and no output is left', async () => {
    const union = makeBuilder({ type: new DenseUnion([0, 1], [new Field('n', new Int32(), true), new Field('s', new Utf8(), true)]) });
    union.append(1, 0);
    union.append('x', 1);
    const input = path.join(dir, 'union.arrow');
    writeFileSync(input, tableToIPC(new Table({ u: union.finish().toVector(), text: vectorFromArray(['q1', 'q2'], new Utf8()) }), 'file'));

    const out = path.join(dir, 'union.parquet');
    const res = await runCli(['run', input, '-c', 'text', '-o', out, '-p', 'echo', '--cache-dir', path.join(dir, 'c'), '-q']);
    // The writer panics on it (a WebAssembly trap on its thread), which says no more than this.
    expect(res.stderr).toBe('llmap: unexpected error: cannot write Parquet: unreachable (run with --verbose for details)\n');
    expect(res.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});
