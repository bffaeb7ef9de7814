import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Bool, DateDay, Dictionary, Field, Float64, Int32, Int64, List, Struct, Table, TimestampMillisecond, Utf8,
  tableToIPC, vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, ROOT, runCli } from './cli.js';
import { useDuck } from './duckdb.js';
import { arrowOfParquet, columnJson } from './parquet-arrow.js';
import { dir, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

const duckdb = useDuck();

const echo = (cacheDir: string): string[] => ['-p', 'echo', '--cache-dir', cacheDir, '-q'];

/** Every common DuckDB type, nulls every 7th row, several row groups. */
const ALL_TYPES_SQL = (rows: number, file: string, rowGroup: number): string => `
  COPY (SELECT
    CASE WHEN i % 7 = 3 THEN NULL ELSE (i % 100)::TINYINT END AS i8,
    (i * 3)::SMALLINT AS i16, (i * 1000)::INTEGER AS i32, (i * 9007199254740)::BIGINT AS i64,
    (i % 200)::UTINYINT AS u8, i::USMALLINT AS u16, (i * 100000)::UINTEGER AS u32, (18446744073709551615 - i)::UBIGINT AS u64,
    (i / 3)::FLOAT AS f32, CASE WHEN i % 7 = 4 THEN NULL ELSE i / 7 END::DOUBLE AS f64,
    (i * 1.25)::DECIMAL(10,2) AS dec, (i * 12345.0000000001)::DECIMAL(38,10) AS dec38,
    CASE WHEN i % 7 = 5 THEN NULL ELSE 'row ' || i || ' é "q", ✓' END AS s,
    i % 2 = 0 AS b, DATE '2024-02-28' + i::INTEGER AS dt,
    TIMESTAMP '2024-01-01 00:00:00.123456' + to_seconds(i) AS ts_us,
    ('2024-01-01 00:00:00.123456789'::TIMESTAMP_NS + to_seconds(i))::TIMESTAMP_NS AS ts_ns,
    TIMESTAMPTZ '2024-06-01 12:00:00+00' + to_minutes(i) AS ts_tz,
    TIME '12:34:56.789' AS tm, ('blob' || i)::BLOB AS bl,
    CASE WHEN i % 7 = 6 THEN NULL ELSE [i, NULL, i + 1] END AS lst,
    {'a': i, 'b': 'n' || i, 'c': [i * 0.5]} AS st, MAP {'k' || (i % 3): i} AS mp
  FROM range(${rows}) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE ${rowGroup})`;

describe('Parquet in and out', () => {
  it('reads every common type DuckDB writes (several row groups, nulls) and keeps every input column exact', async () => {
    const input = path.join(dir, 'in.parquet');
    const out = path.join(dir, 'out.parquet');
    await duckdb().run(ALL_TYPES_SQL(5000, input, 2048));
    const groups = await duckdb().rows(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${input}')`);
    expect(groups[0].n).toBe('3');

    const res = await runCli(['run', input, '-c', 's', '-o', out, ...echo(path.join(dir, 'c'))]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);

    // DuckDB reads the same column types back, plus the response.
    const inColumns = await duckdb().columns(input);
    expect(inColumns).toContain('ts_tz:TIMESTAMP WITH TIME ZONE');
    expect(inColumns).toContain('mp:MAP(VARCHAR, BIGINT)');
    expect(await duckdb().columns(out)).toEqual([...inColumns, 'response:VARCHAR']);
    // Value for value, row for row: the differences each way, on the row number, are empty.
    const exact = inColumns.map((c) => c.split(':')[0]);
    const list = ['file_row_number', ...exact].join(', ');
    const from = (file: string): string => `SELECT ${list} FROM read_parquet('${file}', file_row_number = true)`;
    expect(await duckdb().rows(`(${from(input)}) EXCEPT ALL (${from(out)})`)).toEqual([]);
    expect(await duckdb().rows(`(${from(out)}) EXCEPT ALL (${from(input)})`)).toEqual([]);
    expect(await duckdb().rows(`SELECT count(*) AS n FROM read_parquet('${out}') WHERE s IS NOT NULL AND response IS DISTINCT FROM s`)).toEqual([{ n: '0' }]);
    // A row with an empty prompt is skipped: nothing is sent and its response is empty.
    expect(await duckdb().rows(`SELECT DISTINCT response FROM read_parquet('${out}') WHERE s IS NULL`)).toEqual([{ response: '' }]);

    // apache-arrow sees the same types and values in both files.
    const before = arrowOfParquet(input);
    const after = arrowOfParquet(out);
    expect(after.numRows).toBe(5000);
    expect(after.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      ...before.schema.fields.map((f) => `${f.name}:${f.type}`),
      'response:Utf8',
    ]);
    for (const column of exact) expect(columnJson(after, column), column).toBe(columnJson(before, column));
  });

  it('writes Arrow input as Parquet that DuckDB reads with the expected types and values', async () => {
    const tags = vectorFromArray(['red', 'blue', 'red'], new Dictionary(new Utf8(), new Int32()));
    const table = new Table({
      id: vectorFromArray([1n, 2n, 9007199254740993n], new Int64()),
      score: vectorFromArray([0.5, null, 1.25], new Float64()),
      ok: vectorFromArray([true, false, null], new Bool()),
      text: vectorFromArray(['alpha', 'beta', 'gamma'], new Utf8()),
      tag: tags,
      day: vectorFromArray([new Date('2024-03-05'), null, new Date('1999-12-31')], new DateDay()),
      at: vectorFromArray([Date.UTC(2024, 0, 1, 12), Date.UTC(2024, 0, 2), null], new TimestampMillisecond('UTC')),
      nums: vectorFromArray([[1, 2], [], null], new List(new Field('item', new Int32(), true))),
      pair: vectorFromArray([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, null], new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)])),
    });
    const input = path.join(dir, 'in.arrow');
    writeFileSync(input, tableToIPC(table, 'file'));
    const out = path.join(dir, 'out.parquet');
    const res = await runCli(['run', input, '-t', '{{text}} #{{id}}', '-o', out, ...echo(path.join(dir, 'c'))]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(await duckdb().columns(out)).toEqual([
      'id:BIGINT', 'score:DOUBLE', 'ok:BOOLEAN', 'text:VARCHAR', 'tag:VARCHAR', 'day:DATE', 'at:TIMESTAMP WITH TIME ZONE',
      'nums:INTEGER[]', 'pair:STRUCT(a INTEGER, b VARCHAR)', 'response:VARCHAR',
    ]);
    await duckdb().run(`SET TimeZone = 'UTC'`);
    expect(await duckdb().rows(`SELECT * FROM read_parquet('${out}')`)).toEqual([
      { id: '1', score: 0.5, ok: true, text: 'alpha', tag: 'red', day: '2024-03-05', at: '2024-01-01 12:00:00+00', nums: [1, 2], pair: { a: 1, b: 'x' }, response: 'alpha #1' },
      { id: '2', score: null, ok: false, text: 'beta', tag: 'blue', day: null, at: '2024-01-02 00:00:00+00', nums: [], pair: { a: 2, b: 'y' }, response: 'beta #2' },
      { id: '9007199254740993', score: 1.25, ok: null, text: 'gamma', tag: 'red', day: '1999-12-31', at: null, nums: null, pair: null, response: 'gamma #9007199254740993' },
    ]);
  });

  it.each([
    ['zstd', 'ZSTD'],
    ['snappy', 'SNAPPY'],
    ['gzip', 'GZIP'],
    ['none', 'UNCOMPRESSED'],
  ])('--parquet-compression %s and --parquet-row-group-size give a file DuckDB reads', async (flag, codec) => {
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'id,text\n' + Array.from({ length: 2500 }, (_, i) => `${i},text ${i}`).join('\n') + '\n');
    const out = path.join(dir, 'out.parquet');
    const res = await runCli(['run', input, '-c', 'text', '-o', out, '--parquet-compression', flag, '--parquet-row-group-size', '1000', ...echo(path.join(dir, 'c'))]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const meta = await duckdb().rows(`SELECT DISTINCT row_group_id, row_group_num_rows, compression FROM parquet_metadata('${out}') ORDER BY row_group_id`);
    expect(meta).toEqual([
      { row_group_id: '0', row_group_num_rows: '1000', compression: codec },
      { row_group_id: '1', row_group_num_rows: '1000', compression: codec },
      { row_group_id: '2', row_group_num_rows: '500', compression: codec },
    ]);
    expect(await duckdb().rows(`SELECT count(*) AS n, sum(id::INT) AS total, max(response) AS last FROM read_parquet('${out}')`)).toEqual([
      { n: '2500', total: '3123750', last: 'text 999' },
    ]);
  });

  it.each(['brotli', 'lz4', 'gzip', 'snappy', 'zstd', 'uncompressed'])('reads a %s-compressed file DuckDB wrote', async (codec) => {
    const input = path.join(dir, `${codec}.parquet`);
    await duckdb().run(`COPY (SELECT i, 'x' || i AS s FROM range(3) t(i)) TO '${input}' (FORMAT parquet, COMPRESSION ${codec})`);
    const res = await runCli(['run', input, '-c', 's', '--output-format', 'jsonl', ...echo(path.join(dir, 'c'))]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('{"i":0,"s":"x0","response":"x0"}\n{"i":1,"s":"x1","response":"x1"}\n{"i":2,"s":"x2","response":"x2"}\n');
  });

  it('defaults to zstd row groups of 100,000 rows', async () => {
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'text\nhello\n');
    const out = path.join(dir, 'out.parquet');
    expect((await runCli(['run', input, '-c', 'text', '-o', out, ...echo(path.join(dir, 'c'))])).code).toBe(0);
    expect(await duckdb().rows(`SELECT DISTINCT compression FROM parquet_metadata('${out}')`)).toEqual([{ compression: 'ZSTD' }]);
    expect(await duckdb().columns(out)).toEqual(['text:VARCHAR', 'response:VARCHAR']);
  });

  it('reads Parquet from stdin (spooled to a temp file) and writes Parquet to stdout', async () => {
    const input = path.join(dir, 'in.parquet');
    await duckdb().run(`COPY (SELECT i AS id, 'q' || i AS q FROM range(3000) t(i)) TO '${input}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
    const out = path.join(dir, 'out.parquet');
    const fd = openSync(out, 'w');
    const res = spawnSync(process.execPath, [BIN, 'run', '-', '--input-format', 'parquet', '--output-format', 'parquet', '-c', 'q', ...echo(path.join(dir, 'c'))], {
      cwd: ROOT, env: baseEnv(), input: readFileSync(input), stdio: ['pipe', fd, 'pipe'],
    });
    closeSync(fd);
    expect(res.stderr.toString()).toBe('');
    expect(res.status).toBe(0);
    expect(await duckdb().rows(`SELECT count(*) AS n, count(*) FILTER (WHERE response = q) AS same FROM read_parquet('${out}')`)).toEqual([{ n: '3000', same: '3000' }]);
  });

  it('writes an empty table as a valid Parquet file with the columns', async () => {
    const input = path.join(dir, 'in.parquet');
    await duckdb().run(`COPY (SELECT 1::BIGINT AS id, 'x' AS q, [1] AS l LIMIT 0) TO '${input}' (FORMAT parquet)`);
    const out = path.join(dir, 'out.parquet');
    const res = await runCli(['run', input, '-c', 'q', '-o', out, ...echo(path.join(dir, 'c'))]);
    expect(res.code).toBe(0);
    expect(await duckdb().columns(out)).toEqual(['id:BIGINT', 'q:VARCHAR', 'l:INTEGER[]', 'response:VARCHAR']);
    expect(await duckdb().rows(`SELECT count(*) AS n FROM read_parquet('${out}')`)).toEqual([{ n: '0' }]);
  });

  it('llmap embed writes the vectors as a fixed-size list of floats (a float list to readers without the Arrow schema)', async () => {
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'id,text\n1,hello\n2,world\n');
    const out = path.join(dir, 'out.parquet');
    const res = await runCli(['embed', input, '-c', 'text', '-o', out, ...echo(path.join(dir, 'c'))]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const columns = await duckdb().columns(out);
    expect(columns.slice(0, 2)).toEqual(['id:VARCHAR', 'text:VARCHAR']);
    // Parquet has no fixed-size list: DuckDB reads a list; Arrow readers get the stored Arrow type back.
    expect(columns[2]).toBe('embedding:FLOAT[]');
    const vectors = arrowOfParquet(out).getChild('embedding')!;
    expect(String(vectors.type)).toMatch(/^FixedSizeList\[\d+\]<Float32>$/);
    const size = (vectors.type as { listSize: number }).listSize;
    expect(size).toBeGreaterThan(0);
    expect(await duckdb().rows(`SELECT len(embedding) AS n FROM read_parquet('${out}')`)).toEqual([{ n: String(size) }, { n: String(size) }]);
  });

  describe('bad Parquet input and flags: one line naming the file or the flag', () => {
    const fails = async (args: string[], message: string): Promise<void> => {
      const res = await runCli([...args, '-p', 'echo', '--cache-dir', path.join(dir, 'c'), '-q']);
      expect(res.stderr).toBe(`llmap: ${message}\n`);
      expect(res.code).toBe(1);
    };

    it('a file that is not Parquet', async () => {
      writeFileSync(path.join(dir, 'x.parquet'), 'id,text\n1,a\n');
      await fails(['run', path.join(dir, 'x.parquet'), '-c', 'text'],
        `${path.join(dir, 'x.parquet')}: not a valid Parquet file (it does not start with PAR1); if it is csv, tsv, jsonl or arrow, pass --input-format`);
    });

    it('a truncated file', async () => {
      const whole = path.join(dir, 'whole.parquet');
      await duckdb().run(`COPY (SELECT i FROM range(100) t(i)) TO '${whole}' (FORMAT parquet)`);
      const cut = path.join(dir, 'cut.parquet');
      writeFileSync(cut, readFileSync(whole).subarray(0, 200));
      await fails(['run', cut, '-c', 'i'], `${cut}: not a valid Parquet file (it does not end with PAR1: truncated, or still being written)`);
    });

    it('a corrupt footer', async () => {
      const bad = path.join(dir, 'bad.parquet');
      writeFileSync(bad, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(20, 7), Buffer.from([200, 0, 0, 0]), Buffer.from('PAR1')]));
      const res = await runCli(['run', bad, '-c', 'i', '-p', 'echo', '--cache-dir', path.join(dir, 'c'), '-q']);
      expect(res.stderr).toMatch(new RegExp(`^llmap: ${bad.replace(/[.]/g, '\\.')}: not a valid Parquet file \\(.+\\)\\n$`));
      expect(res.code).toBe(1);
    });

    it('corrupt pages inside a file with a sound footer, and no output left behind', async () => {
      const whole = path.join(dir, 'whole.parquet');
      await duckdb().run(`COPY (SELECT i, 'text ' || i AS s FROM range(20000) t(i)) TO '${whole}' (FORMAT parquet)`);
      const bytes = readFileSync(whole);
      bytes.fill(0, 4, Math.floor(bytes.length / 2));
      const bad = path.join(dir, 'pages.parquet');
      writeFileSync(bad, bytes);
      const out = path.join(dir, 'out.parquet');
      const res = await runCli(['run', bad, '-c', 's', '-o', out, '-p', 'echo', '--cache-dir', path.join(dir, 'c'), '-q']);
      expect(res.stderr).toBe(`llmap: ${bad}: not a valid Parquet file (a page could not be decoded: the file is corrupt)\n`);
      expect(res.code).toBe(1);
      expect(existsSync(out)).toBe(false);
    });

    it('an empty file', async () => {
      writeFileSync(path.join(dir, 'e.parquet'), '');
      await fails(['run', path.join(dir, 'e.parquet'), '-c', 'text'], `'${path.join(dir, 'e.parquet')}' is empty: expected a Parquet file`);
    });

    it('an unknown compression, a bad row group size, Parquet flags without Parquet output', async () => {
      const input = path.join(dir, 'in.csv');
      writeFileSync(input, 'text\nhi\n');
      const out = path.join(dir, 'o.parquet');
      await fails(['run', input, '-c', 'text', '-o', out, '--parquet-compression', 'lz4'], "expected --parquet-compression to be one of zstd, snappy, gzip, none, got 'lz4'");
      await fails(['run', input, '-c', 'text', '-o', out, '--parquet-row-group-size', '0'], "expected --parquet-row-group-size to be a whole number from 1 to 100000000, got '0'");
      await fails(['run', input, '-c', 'text', '--parquet-compression', 'gzip'], '--parquet-row-group-size and --parquet-compression apply to Parquet output only; the output is csv');
    });
  });
});
