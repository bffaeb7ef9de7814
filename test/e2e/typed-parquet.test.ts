/**
 * Typed answers into columnar outputs: the schema's columns written to Parquet and read back by two
 * independent readers (DuckDB, and apache-arrow through parquet-wasm) with the types the README
 * promises and the fake server's values; and an enum column beside an input dictionary column (from
 * Arrow input, or from llmap's own typed Parquet read back in) in Arrow and Parquet, each with its
 * own dictionary.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Int32, Int64, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { answersInvalid, conformingValue, startFakeServer, type FakeServer, type StructuredOptions } from '../fake-server/server.js';
import { runCli, tempDir } from './cli.js';
import { useDuck } from './duckdb.js';
import { arrowOfParquet, fieldTypes } from './parquet-arrow.js';
import { FIELDS, SCHEMA, vendors, writeRows, type Review, type Vendor } from './review-schema.js';

let server: FakeServer | undefined;
let cleanup: (() => void) | undefined;
const duckdb = useDuck();
afterEach(async () => {
  await server?.close();
  server = undefined;
  cleanup?.();
});

async function setUp(structured: StructuredOptions): Promise<{ dir: string; url: string }> {
  server = await startFakeServer({ structured });
  const temp = tempDir();
  cleanup = temp.cleanup;
  return { dir: temp.dir, url: server.url };
}

const env = { TEST_KEY: 'k' };
const answer = (prompt: string): Review => conformingValue(SCHEMA, prompt) as Review;
const LABELS = ['positive', 'negative', 'neutral'];

/** A row as DuckDB's JSON rows spell it: BIGINTs (also inside structs) as text. */
function duckRow(id: string, text: string, v: Review): Record<string, unknown> {
  return { id, text, ...v, stars: String(v.stars), author: { name: v.author.name, age: String(v.author.age) } };
}

/** Rows of an apache-arrow table as plain JSON (bigints as numbers, dictionaries decoded). */
function plainRows(table: Table): unknown[] {
  return JSON.parse(JSON.stringify(table.toArray().map((row) => row.toJSON()), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

/** The labels each record batch's dictionary holds for `column`. */
function dictionaries(table: Table, column: string): string[][] {
  return table.getChild(column)!.data.map((data) => [...data.dictionary!] as string[]);
}

const TYPED_ARROW = ['sentiment:Dictionary<Int32, Utf8>', 'score:Float64', 'stars:Int64', 'is_spam:Bool', 'topics:List<Utf8>', 'author:Struct<{name:Utf8, age:Int64}>'];
const TYPED_DUCKDB = ['sentiment:VARCHAR', 'score:DOUBLE', 'stars:BIGINT', 'is_spam:BOOLEAN', 'topics:VARCHAR[]', 'author:STRUCT("name" VARCHAR, age BIGINT)'];

describe('typed answers into Parquet', () => {
  it.each(Object.keys(vendors) as Vendor[])(
    '%s: 2,000 rows, a fifth of the first answers invalid, every cell typed and the server\'s value in DuckDB and in apache-arrow',
    async (vendor) => {
      const structured = { invalid: 0.2, seed: 11 };
      const { dir, url } = await setUp(structured);
      const { input, prompts } = writeRows(dir, 2000);
      const invalid = prompts.filter((p) => answersInvalid(p, structured)).length;
      expect(invalid).toBeGreaterThan(300);
      const out = path.join(dir, 'reviews.parquet');
      const report = path.join(dir, 'report.json');
      // Row groups of 700 rows cut across the writer's record batches of 1,024.
      const res = await runCli([
        'run', input, ...vendors[vendor](url), '-c', 'text', '--fields', FIELDS, '--no-cache', '-j', '32',
        '-o', out, '--parquet-row-group-size', '700', '--report', report, '-q',
      ], { env });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(server!.requests).toHaveLength(2000 + invalid);
      expect(JSON.parse(readFileSync(report, 'utf8')).schemaRetries).toBe(invalid);

      expect(await duckdb().columns(out)).toEqual(['id:VARCHAR', 'text:VARCHAR', ...TYPED_DUCKDB]);
      expect(await duckdb().rows(`SELECT row_group_id, row_group_num_rows FROM parquet_metadata('${out}') WHERE path_in_schema = 'sentiment' ORDER BY 1`)).toEqual([
        { row_group_id: '0', row_group_num_rows: '700' },
        { row_group_id: '1', row_group_num_rows: '700' },
        { row_group_id: '2', row_group_num_rows: '600' },
      ]);
      const rows = await duckdb().rows(`SELECT * EXCLUDE (file_row_number) FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`);
      expect(rows).toEqual(prompts.map((p, i) => duckRow(String(i + 1), p, answer(p))));

      const table = arrowOfParquet(out);
      expect(fieldTypes(table)).toEqual(['id:Utf8', 'text:Utf8', ...TYPED_ARROW]);
      expect(plainRows(table)).toEqual(prompts.map((p, i) => ({ id: String(i + 1), text: p, ...answer(p) })));
      for (const labels of dictionaries(table, 'sentiment')) expect(labels.every((l) => LABELS.includes(l))).toBe(true);
    },
    120_000,
  );

  it('a row that stays invalid is null in every typed column, with its error beside it', async () => {
    const structured = { invalid: 0.25, seed: 4 };
    const { dir, url } = await setUp(structured);
    const { input, prompts } = writeRows(dir, 300);
    const failed = prompts.map((p) => answersInvalid(p, structured));
    expect(failed.filter(Boolean).length).toBeGreaterThan(40);
    const out = path.join(dir, 'reviews.parquet');
    const res = await runCli([
      'run', input, ...vendors.openai(url), '-c', 'text', '--fields', FIELDS, '--schema-retries', '0', '--metadata', '--no-cache',
      '-o', out, '--parquet-row-group-size', '64', '-q',
    ]);
    expect(res.code).toBe(2);

    expect((await duckdb().columns(out)).slice(0, 9)).toEqual(['id:VARCHAR', 'text:VARCHAR', ...TYPED_DUCKDB, 'error:VARCHAR']);
    const rows = await duckdb().rows(
      `SELECT * EXCLUDE (file_row_number, cached, latency_ms, input_tokens, output_tokens, finish_reason)
       FROM read_parquet('${out}', file_row_number = true) ORDER BY file_row_number`,
    );
    const nulls = { sentiment: null, score: null, stars: null, is_spam: null, topics: null, author: null };
    expect(rows).toEqual(prompts.map((p, i) =>
      failed[i]
        ? { id: String(i + 1), text: p, ...nulls, error: expect.stringMatching(/^the (model refused|answer is not JSON|answer does not match the schema).* \(after 1 answer\)$/) }
        : { ...duckRow(String(i + 1), p, answer(p)), error: null },
    ));
    // apache-arrow reads the same nulls; the enum's dictionaries hold labels only, never an invalid answer.
    const table = arrowOfParquet(out);
    expect(table.getChild('sentiment')!.toArray().map((v: unknown) => v === null)).toEqual(failed);
    for (const labels of dictionaries(table, 'sentiment')) expect(labels.every((l) => LABELS.includes(l))).toBe(true);
  });

  it("a typed Parquet output as the next run's input: its enum passes through as a dictionary, and the new enum gets one of its own", async () => {
    const { dir, url } = await setUp({});
    const { input, prompts } = writeRows(dir, 300);
    const first = path.join(dir, 'first.parquet');
    const common = [...vendors.openai(url), '-c', 'text', '--no-cache', '-q'];
    expect((await runCli(['run', input, ...common, '--fields', FIELDS, '-o', first])).code).toBe(0);
    const label = { type: 'object', properties: { label: { type: 'string', enum: ['keep', 'drop'] } }, required: ['label'] };
    for (const name of ['second.parquet', 'second.arrow', 'second.arrows']) {
      const out = path.join(dir, name);
      const res = await runCli(['run', first, ...common, '--fields', 'label: enum(keep, drop)', '-o', out]);
      expect({ name, stderr: res.stderr, code: res.code }).toEqual({ name, stderr: '', code: 0 });
      const table = name.endsWith('.parquet') ? arrowOfParquet(out) : tableFromIPC(readFileSync(out));
      expect(fieldTypes(table)).toEqual(['id:Utf8', 'text:Utf8', ...TYPED_ARROW, 'label:Dictionary<Int32, Utf8>']);
      const ids = table.schema.fields.filter((f) => f.type instanceof Dictionary).map((f) => (f.type as Dictionary).id);
      expect(new Set(ids).size).toBe(2);
      expect(plainRows(table)).toEqual(prompts.map((p, i) => ({ id: String(i + 1), text: p, ...answer(p), label: conformingValue(label, p).label })));
    }
  });
});

/**
 * Arrow input with a dictionary column `tag` (nulls; record batches of 1, 1, 998, 1,000 and 200
 * rows sharing one dictionary), written as an Arrow file or stream. Its dictionary id is 0, the id
 * apache-arrow gives the first dictionary type a process makes, so llmap's enum column would take
 * the same one if nothing stopped it.
 */
function writeArrowInput(file: string, prompts: string[], format: 'file' | 'stream'): void {
  const n = prompts.length;
  const whole = new Table({
    id: vectorFromArray(prompts.map((_, i) => BigInt(i + 1)), new Int64()),
    tag: vectorFromArray(prompts.map((_, i) => (i % 5 === 4 ? null : ['red', 'blue', 'green', 'red'][i % 4])), new Dictionary(new Utf8(), new Int32(), 0)),
    text: vectorFromArray(prompts, new Utf8()),
  });
  const cuts = [0, 1, 2, 1000, 2000, n];
  const batch = whole.batches[0];
  writeFileSync(file, tableToIPC(new Table(cuts.slice(1).map((end, k) => batch.slice(cuts[k], end))), format));
}

/**
 * A dictionary column's bytes as written: the validity bits and the index bytes of every row (batch
 * offsets applied, so a split batch compares equal), and each batch's dictionary (offsets and UTF-8 bytes).
 */
function dictionaryBytes(table: Table, column: string): { validity: string; indices: string; dictionaries: string[] } {
  let validity = '';
  let indices = '';
  const dictionaries: string[] = [];
  for (const data of table.getChild(column)!.data) {
    const { offset, length, nullBitmap } = data;
    for (let i = offset; i < offset + length; i++) validity += nullBitmap && data.nullCount > 0 ? (nullBitmap[i >> 3] >> (i & 7)) & 1 : 1;
    const values = data.values as Int32Array;
    indices += Buffer.from(values.buffer, values.byteOffset + offset * 4, length * 4).toString('hex');
    const words = data.dictionary!.data[0];
    const ends = words.valueOffsets as Int32Array;
    dictionaries.push(`${Buffer.from(ends.buffer, ends.byteOffset, ends.byteLength).toString('hex')}:${Buffer.from(words.values.subarray(0, ends[ends.length - 1])).toString('hex')}`);
  }
  return { validity, indices, dictionaries };
}

describe('an enum column beside an input dictionary column', () => {
  it.each([
    ['file', 'out.arrow'],
    ['stream', 'out.arrows'],
    ['stream', 'out.parquet'],
    ['file', 'out.parquet'],
  ] as const)('an Arrow %s in, %s out: the input dictionary comes back as it was, and the enum has a dictionary of its own', async (format, name) => {
    const { dir, url } = await setUp({});
    const prompts = Array.from({ length: 2200 }, (_, i) => `review ${i + 1}`);
    const input = path.join(dir, `in.${format === 'file' ? 'arrow' : 'arrows'}`);
    writeArrowInput(input, prompts, format);
    const out = path.join(dir, name);
    const res = await runCli(['run', input, ...vendors.openai(url), '-c', 'text', '--fields', 'sentiment: enum(positive, negative, neutral); score: number', '--no-cache', '-j', '16', '-o', out, '-q']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);

    const before = tableFromIPC(readFileSync(input));
    const after = name.endsWith('.parquet') ? arrowOfParquet(out) : tableFromIPC(readFileSync(out));
    expect(fieldTypes(after)).toEqual(['id:Int64', 'tag:Dictionary<Int32, Utf8>', 'text:Utf8', 'sentiment:Dictionary<Int32, Utf8>', 'score:Float64']);
    const ids = after.schema.fields.filter((f) => f.type instanceof Dictionary).map((f) => (f.type as Dictionary).id);
    expect(new Set(ids).size).toBe(2);
    expect([...after.getChild('tag')!]).toEqual([...before.getChild('tag')!]);
    expect([...after.getChild('sentiment')!]).toEqual(prompts.map((p) => answer(p).sentiment));
    expect([...after.getChild('score')!]).toEqual(prompts.map((p) => answer(p).score));
    for (const labels of dictionaries(after, 'sentiment')) expect(labels.every((l) => LABELS.includes(l))).toBe(true);
    for (const labels of dictionaries(after, 'tag')) expect(labels).toEqual(['red', 'blue', 'green']);
    if (name.endsWith('.parquet')) {
      // Parquet re-encodes every column; DuckDB reads both dictionaries as text.
      expect(await duckdb().columns(out)).toEqual(['id:BIGINT', 'tag:VARCHAR', 'text:VARCHAR', 'sentiment:VARCHAR', 'score:DOUBLE']);
      expect(await duckdb().rows(`SELECT count(*) AS n, count(tag) AS tags, count(DISTINCT sentiment) AS labels FROM read_parquet('${out}')`)).toEqual([
        { n: '2200', tags: String(prompts.length - Math.floor(prompts.length / 5)), labels: '3' },
      ]);
    } else {
      // Arrow passes the input through: its dictionary id, record batches and buffers unchanged.
      expect(ids[0]).toBe((before.schema.fields[1].type as Dictionary).id);
      const input = dictionaryBytes(before, 'tag');
      const output = dictionaryBytes(after, 'tag');
      expect(input.dictionaries).toHaveLength(5);
      expect(output).toEqual({ ...input, dictionaries: output.dictionaries.map(() => input.dictionaries[0]) });
      expect(new Set(input.dictionaries).size).toBe(1);
    }
  }, 60_000);
});
