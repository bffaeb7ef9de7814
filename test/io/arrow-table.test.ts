import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Schema,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  TimestampMillisecond,
  Utf8,
  Bool,
  Table,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openTableSink } from '../../src/io/open-table-sink.js';
import { openTableSource } from '../../src/io/open-table-source.js';
import type { AddedColumn, Row } from '../../src/io/table.js';
import { readRows, rejection, tempDir, tempFile, openTestSink } from './helpers.js';

/** A table with one column of each type that must round-trip. */
function typedTable(): Table {
  return new Table({
    i64: vectorFromArray([1n, -(2n ** 62n), null], new Int64()),
    i32: vectorFromArray([1, null, -3], new Int32()),
    f64: vectorFromArray([1.5, null, 1e300], new Float64()),
    bool: vectorFromArray([true, false, null], new Bool()),
    text: vectorFromArray(['héllo, "x"', null, '😀'], new Utf8()),
    ts: vectorFromArray([Date.UTC(2024, 0, 2), null, 0], new TimestampMillisecond()),
    tags: vectorFromArray([['a', 'b'], null, []], new List(new Field('item', new Utf8(), true))),
  });
}

/** Plain JS values of a table's rows, for comparing. */
function plainRows(table: Table): unknown[][] {
  return table.toArray().map((row) =>
    table.schema.fields.map((field) => {
      const value = row[field.name];
      return value !== null && typeof value === 'object' && Symbol.iterator in value ? [...value] : value;
    }),
  );
}

const added: AddedColumn[] = [
  { name: 's', type: 'string' },
  { name: 'b', type: 'boolean' },
  { name: 'i', type: 'int' },
  { name: 'f', type: 'float' },
];

/** Arrow input to Arrow output, each row handed to the sink as the source yielded it. */
async function copyThrough(inPath: string, outPath: string, extra: (row: Row, i: number) => unknown[], stdout?: NodeJS.WritableStream) {
  const source = await openTableSource({ path: inPath, format: 'arrow' });
  const sink = await openTableSink({ path: outPath, format: 'arrow', source, added, stdout });
  let i = 0;
  for await (const row of source.rows) await sink.write(row, extra(row, i++));
  await sink.finish();
  return source;
}

describe('Arrow reader and writer', () => {
  for (const [kind, inName, outName] of [
    ['file', 'in.arrow', 'out.arrow'],
    ['stream', 'in.arrows', 'out.arrows'],
  ] as const) {
    it(`round-trips an IPC ${kind} keeping every column type`, async () => {
      const input = typedTable();
      const dir = tempDir();
      const inPath = join(dir, inName);
      writeFileSync(inPath, tableToIPC(input, kind));
      const source = await copyThrough(inPath, join(dir, outName), (_row, i) => [`r${i}`, i % 2 === 0, i, i / 4]);
      expect(source.columns).toEqual(['i64', 'i32', 'f64', 'bool', 'text', 'ts', 'tags']);
      expect(source.arrowSchema).toBeInstanceOf(Schema);

      const bytes = readFileSync(join(dir, outName));
      expect(bytes.subarray(0, 6).toString('latin1') === 'ARROW1').toBe(kind === 'file');
      const output = tableFromIPC(bytes);
      expect(output.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([
        'i64: Int64',
        'i32: Int32',
        'f64: Float64',
        'bool: Bool',
        'text: Utf8',
        'ts: Timestamp<MILLISECOND>',
        'tags: List<Utf8>',
        's: Utf8',
        'b: Bool',
        'i: Int32',
        'f: Float64',
      ]);
      expect(output.schema.fields.every((f) => f.nullable)).toBe(true);
      expect(plainRows(output)).toEqual([
        [1n, 1, 1.5, true, 'héllo, "x"', Date.UTC(2024, 0, 2), ['a', 'b'], 'r0', true, 0, 0],
        [-(2n ** 62n), null, null, false, null, null, null, 'r1', false, 1, 0.25],
        [null, -3, 1e300, null, '😀', 0, [], 'r2', true, 2, 0.5],
      ]);
    });
  }

  it('renders cells from the column buffers, as text and as JSON', async () => {
    const path = tempFile('in.arrow', tableToIPC(typedTable(), 'file'));
    const source = await openTableSource({ path, format: 'arrow' });
    const rows = await readRows(source);
    expect(rows.map((row) => row.map((cell, j) => source.cellText(cell, j)))).toEqual([
      ['1', '1', '1.5', 'true', 'héllo, "x"', '2024-01-02T00:00:00.000', '["a","b"]'],
      ['-4611686018427387904', '', '', 'false', '', '', ''],
      ['', '-3', '1e+300', '', '😀', '1970-01-01T00:00:00.000', '[]'],
    ]);
    expect(rows[0].map((cell, j) => source.cellJson(cell, j))).toEqual(['1', '1', '1.5', 'true', '"héllo, \\"x\\""', '"2024-01-02T00:00:00.000"', '["a","b"]']);
    expect(rows[1].map((cell, j) => source.cellJson(cell, j))).toEqual(['-4611686018427387904', 'null', 'null', 'false', 'null', 'null', 'null']);
  });

  it('writes many batches and reads them back in order', async () => {
    const n = 2500;
    const input = tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i) });
    const dir = tempDir();
    const inPath = join(dir, 'in.arrow');
    writeFileSync(inPath, tableToIPC(input, 'file'));
    await copyThrough(inPath, join(dir, 'out.arrow'), (_row, i) => [`#${i}`, null, null, null]);
    const out = await openTableSource({ path: join(dir, 'out.arrow'), format: 'arrow' });
    const rows = (await readRows(out)).map((row) => row.map((cell, j) => out.cellText(cell, j)));
    expect(rows).toHaveLength(n);
    expect(rows[2499]).toEqual(['2499', '#2499', '', '', '']);
    expect(rows.every((row, i) => row[0] === String(i) && row[1] === `#${i}`)).toBe(true);
  });

  it('writes text input as Utf8 columns', async () => {
    const path = join(tempDir(), 'out.arrow');
    const sink = await openTestSink({ path, format: 'arrow', source: { columns: ['id', 'n'] }, added: added.slice(0, 1) });
    await sink.write(['1', 5, 'x']);
    await sink.write([null, { a: 1 }, null]);
    await sink.finish();
    const table = tableFromIPC(readFileSync(path));
    expect(table.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(['id: Utf8', 'n: Utf8', 's: Utf8']);
    expect(plainRows(table)).toEqual([
      ['1', '5', 'x'],
      [null, '{"a":1}', null],
    ]);
  });

  it('keeps dictionary columns as dictionaries', async () => {
    const input = tableFromArrays({ lang: ['en', 'fr', 'en'] });
    expect(String(input.schema.fields[0].type)).toBe('Dictionary<Int32, Utf8>');
    const dir = tempDir();
    writeFileSync(join(dir, 'in.arrow'), tableToIPC(input, 'file'));
    await copyThrough(join(dir, 'in.arrow'), join(dir, 'out.arrow'), () => [null, null, null, null]);
    const out = tableFromIPC(readFileSync(join(dir, 'out.arrow')));
    expect(String(out.schema.fields[0].type)).toBe('Dictionary<Int32, Utf8>');
    expect(out.getChild('lang')?.toArray()).toEqual(['en', 'fr', 'en']);
  });

  it('writes an empty table with its schema', async () => {
    const path = join(tempDir(), 'out.arrow');
    const sink = await openTestSink({ path, format: 'arrow', source: { columns: ['id'] }, added: [] });
    await sink.finish();
    const source = await openTableSource({ path, format: 'arrow' });
    expect(source.columns).toEqual(['id']);
    expect(await readRows(source)).toEqual([]);
  });

  it('reads a stream with a schema and no batches as zero rows', async () => {
    const empty = tableFromArrays({ id: Int32Array.from([]) });
    const path = tempFile('in.arrows', tableToIPC(empty, 'stream'));
    const source = await openTableSource({ path, format: 'arrow' });
    expect(source.columns).toEqual(['id']);
    expect(await readRows(source)).toEqual([]);
  });

  it('reads an IPC stream from stdin and writes one to stdout', async () => {
    const stdin = Readable.from([tableToIPC(typedTable(), 'stream')]);
    const source = await openTableSource({ path: '-', format: 'arrow', stdin });
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const sink = await openTableSink({ path: '-', format: 'arrow', source, added: [], stdout });
    for await (const row of source.rows) await sink.write(row, []);
    await sink.finish();
    const output = tableFromIPC(Buffer.concat(chunks));
    expect(plainRows(output)).toEqual(plainRows(typedTable()));
  });

  it('keeps a readable .partial on abort(true)', async () => {
    const path = join(tempDir(), 'out.arrow');
    const sink = await openTestSink({ path, format: 'arrow', source: { columns: ['id'] }, added: [] });
    await sink.write(['1']);
    await sink.write(['2']);
    expect(await sink.abort(true)).toBe(`${path}.partial`);
    expect(plainRows(tableFromIPC(readFileSync(`${path}.partial`)))).toEqual([['1'], ['2']]);
  });

  describe('errors', () => {
    const invalid = async (bytes: Uint8Array): Promise<string> => {
      const path = tempFile('data.arrow', bytes);
      const err = await rejection((async () => readRows(await openTableSource({ path, format: 'arrow' })))());
      expect(err).toBeInstanceOf(InputError);
      return err.message.replace(path, 'data.arrow');
    };

    const corrupt = 'data.arrow: not a valid Arrow IPC file or stream (it is truncated or corrupt)';

    it('a truncated file', async () => {
      const bytes = tableToIPC(typedTable(), 'file');
      expect(await invalid(bytes.subarray(0, 100))).toBe(corrupt);
      expect(await invalid(bytes.subarray(0, bytes.length - 10))).toBe(corrupt);
      expect(await invalid(bytes.subarray(0, 8))).toBe(corrupt);
    });

    it('a truncated stream', async () => {
      const bytes = tableToIPC(typedTable(), 'stream');
      expect(await invalid(bytes.subarray(0, 200))).toBe(corrupt);
    });

    it('a CSV file named .arrow', async () => {
      expect(await invalid(Buffer.from('id,name\n1,2\n'))).toBe(
        'data.arrow: not a valid Arrow IPC file or stream (it does not start like one); if it is csv, tsv or jsonl, pass --input-format',
      );
    });

    it('an empty file', async () => {
      expect(await invalid(new Uint8Array(0))).toBe("'data.arrow' is empty: expected an Arrow IPC file or stream");
    });

    it('the same messages on stdin', async () => {
      const fromStdin = async (bytes: Uint8Array): Promise<string> => {
        const stdin = Readable.from([Buffer.from(bytes)]);
        const err = await rejection((async () => readRows(await openTableSource({ path: '-', format: 'arrow', stdin })))());
        expect(err).toBeInstanceOf(InputError);
        return err.message;
      };
      expect(await fromStdin(new Uint8Array(0))).toBe("'stdin' is empty: expected an Arrow IPC file or stream");
      expect(await fromStdin(Buffer.from('id,name\n'))).toMatch(/^stdin: not a valid Arrow IPC file or stream \(it does not start like one\)/);
      const stream = tableToIPC(typedTable(), 'stream');
      expect(await fromStdin(stream.subarray(0, 200))).toBe('stdin: not a valid Arrow IPC file or stream (it is truncated or corrupt)');
    });
  });
});
