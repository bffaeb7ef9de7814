import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Dictionary, Field, Int32, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, tableFromIPC, Utf8, vectorFromArray, type Table,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { physicalColumn, schemaText } from '../io/arrow-physical.js';
import { zooIpc, zooSchema } from '../io/arrow-type-zoo.js';
import { BIN, ROOT, baseEnv, runCli } from './cli.js';
import { dir, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

/** Runs the CLI with its stdout going to a file, so binary output arrives intact. */
function runToFile(args: string[], stdoutPath: string): Promise<{ code: number | null; stderr: string }> {
  const fd = openSync(stdoutPath, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: baseEnv(), stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      closeSync(fd);
      resolve({ code, stderr });
    });
  });
}

/**
 * The zoo's cells as text (prompts, CSV/TSV cells); null is a null cell (empty text). JSON renders
 * these as they are (numbers, nested values) or as JSON strings (the QUOTED columns, and floats that
 * JSON has no number for).
 */
const TEXT: Record<string, Array<string | null>> = {
  id: ['0', '1', '2', '3', '4'],
  dict: ['en', null, 'fr', 'de', 'en'],
  large_text: ['a,"b"\r\n', null, '😀', '', '=1+1'],
  large_list: ['[1,2]', null, '[]', '[9223372036854775807]', '[-1,null]'],
  list: ['["x","y"]', '[]', null, '["z"]', null],
  dec128: ['12345678901234567890123456789.0123', '-0.0001', null, '0.0000', '9999999999999999999999999999999999.9999'],
  dec256: ['-999999999999999999999999999999999999999999999999999999999999999999.9999999999', '0.0000000005', null, '1.0000000000', '-0.0000000123'],
  ts_s: ['2024-03-05T12:34:56', '1969-12-31T23:59:59', null, '1970-01-01T00:00:00', '9999-12-31T23:59:59'],
  ts_ms_utc: ['2024-03-05T12:34:56.789Z', '1969-12-31T23:59:59.999Z', null, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.001Z'],
  ts_us: ['2024-03-05T12:34:56.123456', '1969-12-31T23:59:59.999999', null, '1970-01-01T00:00:00.000000', '1970-01-01T00:00:00.000001'],
  ts_ns: ['2023-11-14T22:13:20.123456789', '2262-04-11T23:47:16.854775807', null, '1677-09-21T00:12:43.145224192', '1970-01-01T00:00:00.000000000'],
  ts_ns_ny: ['2023-11-14T17:13:20.123456789-05:00', '2262-04-11T19:47:16.854775807-04:00', null, '1969-12-31T18:59:59.999999999-05:00', '2024-06-21T16:00:00.000000000-04:00'],
  ts_us_off: ['2024-03-05T18:04:56.123456+05:30', '1970-01-01T05:30:00.000000+05:30', null, '1970-01-01T05:29:59.999999+05:30', '1970-01-01T05:30:00.000001+05:30'],
  d32: ['2024-03-05', '0000-01-01', null, '1970-01-01', '9999-12-31'],
  d64: ['2024-03-05', '2024-03-05T12:34:56.789', null, '1970-01-01', '1969-12-31'],
  t32s: ['12:34:56', '00:00:00', null, '23:59:59', '00:00:01'],
  t32ms: ['12:34:56.789', '00:00:00.000', null, '23:59:59.999', '00:00:00.001'],
  t64us: ['12:34:56.123456', '00:00:00.000000', null, '23:59:59.999999', '00:00:00.000001'],
  t64ns: ['12:34:56.123456789', '00:00:00.000000000', null, '23:59:59.999999999', '00:00:00.000000001'],
  dur_s: ['PT90S', '-PT1S', null, 'PT0S', 'PT9223372036854775807S'],
  dur_ms: ['PT1.500S', '-PT0.001S', null, 'PT0.000S', 'PT0.001S'],
  dur_us: ['PT1.500000S', '-PT0.000001S', null, 'PT0.000000S', 'PT0.000001S'],
  dur_ns: ['PT1.500000000S', '-PT0.000000001S', null, 'PT0.000000000S', '-PT9223372036.854775808S'],
  bin: ['AP8=', null, '', 'aGk=', 'AA=='],
  large_bin: ['AQID', null, '', '+/8=', 'AA=='],
  uuid: ['AAEC/w==', null, 'CQkJCQ==', 'AAAAAA==', '/////w=='],
  map: ['{"a":1,"b":null}', null, '{}', '{"=x":2}', '{}'],
  struct: ['{"a":1,"b":"x"}', null, '{"a":null,"b":"q\\""}', '{"a":-1,"b":""}', '{"a":2,"b":null}'],
  i64: ['9223372036854775807', '-9223372036854775808', null, '0', '-1'],
  u64: ['18446744073709551615', '0', null, '9007199254740993', '1'],
  f16: ['1.5', null, '-0', '65504', 'Infinity'],
  f32: ['0.1', 'NaN', '-0', 'Infinity', null],
  f64: ['1e-300', '-Infinity', '5e-324', '1.7976931348623157e+308', '-0'],
  fsl: ['[1,2]', null, '[0.5,null]', '[3,4]', '[-0,1e+21]'],
};
const QUOTED = /^(dict|large_text|ts_.*|d32|d64|t3.*|t6.*|dur_.*|bin|large_bin|uuid)$/;
const COLUMNS = Object.keys(TEXT);

function jsonOf(column: string, text: string | null): string {
  if (text === null) return 'null';
  return QUOTED.test(column) || /^-?(NaN|Infinity)$/.test(text) ? JSON.stringify(text) : text;
}

/** Rows of a CSV/TSV file as Python's csv module reads it in strict mode (an independent reader). */
function pythonCsv(file: string, delimiter: string): string[][] {
  const script = 'import csv,json,sys\nprint(json.dumps(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"), delimiter=sys.argv[2], strict=True))))';
  const res = spawnSync('python3', ['-c', script, file, delimiter], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as string[][];
}

const inputs = [
  ['file', 'in.arrow'],
  ['stream', 'in.arrows'],
] as const;

describe('Arrow types end to end', () => {
  for (const [kind, inName] of inputs) {
    for (const outName of ['out.arrow', 'out.arrows', '-']) {
      it(`${kind} in, ${outName === '-' ? 'stdout' : outName} out: every input column is the input's, buffer for buffer`, async () => {
        const input = path.join(dir, inName);
        writeFileSync(input, zooIpc(kind));
        const out = path.join(dir, outName === '-' ? 'stdout.arrows' : outName);
        const args = ['run', input, '-c', 'large_text', '-p', 'echo', '--no-cache', '-q', ...(outName === '-' ? ['--output-format', 'arrow'] : ['-o', out])];
        const res = await runToFile(args, outName === '-' ? out : path.join(dir, 'stdout.txt'));
        expect(res.stderr).toBe('');
        expect(res.code).toBe(0);
        const before = tableFromIPC(readFileSync(input));
        const after = tableFromIPC(readFileSync(out));
        expect(schemaText(after.schema)).toEqual([
          ...schemaText(before.schema).slice(0, -1),
          'response: Utf8 nullable=true []',
          schemaText(before.schema).at(-1),
        ]);
        for (const column of COLUMNS) expect(physicalColumn(after, column), column).toEqual(physicalColumn(before, column));
        expect([...after.getChild('response')!]).toEqual(['a,"b"\r\n', '', '😀', '', '=1+1']);
        // The dictionary grew by a delta in the second batch, and is written that way again.
        const dictionary = (table: Table) => table.batches.at(-1)!.getChild('dict')!.data[0].dictionary!;
        expect(dictionary(after).data.map((chunk) => chunk.length)).toEqual([2, 1]);
        expect([...dictionary(after)]).toEqual(['en', 'fr', 'de']);
      });
    }
  }

  it('--limit and batches: the output is the prefix, in batches of at most 8,192 rows cut from the input batches', async () => {
    const input = path.join(dir, 'in.arrows');
    writeFileSync(input, zooIpc('stream'));
    const out = path.join(dir, 'out.arrow');
    const res = await runCli(['run', input, '-c', 'id', '-p', 'echo', '--no-cache', '-q', '--limit', '4', '-o', out]);
    expect(res.stderr).toBe('');
    const before = tableFromIPC(readFileSync(input));
    const after = tableFromIPC(readFileSync(out));
    expect(after.batches.map((b) => b.numRows)).toEqual([3, 1]);
    for (const column of COLUMNS) expect(physicalColumn(after, column), column).toEqual(physicalColumn(before, column).slice(0, 4));
  });

  it('prompts, CSV, TSV and JSONL get one rendering per type', async () => {
    const input = path.join(dir, 'in.arrow');
    writeFileSync(input, zooIpc('file'));
    const template = COLUMNS.map((c) => `{{${c}}}`).join('|');
    const prompts = [0, 1, 2, 3, 4].map((r) => COLUMNS.map((c) => TEXT[c][r] ?? '').join('|'));
    for (const [name, delimiter] of [['out.csv', ','], ['out.tsv', '\t']]) {
      const out = path.join(dir, name);
      const res = await runCli(['run', input, '-t', template, '-p', 'echo', '--no-cache', '-q', '-o', out]);
      expect(res.stderr).toBe('');
      expect(pythonCsv(out, delimiter)).toEqual([
        [...COLUMNS, 'response'],
        ...prompts.map((prompt, r) => [...COLUMNS.map((c) => TEXT[c][r] ?? ''), prompt]),
      ]);
    }
    const out = path.join(dir, 'out.jsonl');
    const res = await runCli(['run', input, '-t', template, '-p', 'echo', '--no-cache', '-q', '-o', out]);
    expect(res.stderr).toBe('');
    const lines = prompts.map(
      (prompt, r) => `{${COLUMNS.map((c) => `${JSON.stringify(c)}:${jsonOf(c, TEXT[c][r])}`).join(',')},"response":${JSON.stringify(prompt)}}`,
    );
    expect(readFileSync(out, 'utf8')).toBe(lines.join('\n') + '\n');
    // Every line is strict JSON (no NaN or Infinity tokens).
    const strict = spawnSync('python3', ['-c', 'import json,sys\ndef bad(x): raise ValueError(x)\nfor l in open(sys.argv[1]): json.loads(l, parse_constant=bad)', out]);
    expect(strict.status).toBe(0);
  });

  it('a stream that replaces a dictionary: passed through to a stream, a clear error for the file format', async () => {
    const type = new Dictionary(new Utf8(), new Int32(), 0);
    const schema = new Schema([new Field('d', type, true)]);
    const batch = (words: string[], keys: number[]) =>
      new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: keys.length, nullCount: 0, children: [
        makeData({ type, length: keys.length, nullCount: 0, data: Int32Array.from(keys), dictionary: vectorFromArray(words, new Utf8()) }),
      ] }));
    const input = path.join(dir, 'replace.arrows');
    writeFileSync(input, new RecordBatchStreamWriter().writeAll([batch(['a', 'b'], [0, 1]), batch(['x', 'y'], [1, 0])]).toUint8Array(true));
    const toFile = await runCli(['run', input, '-c', 'd', '-p', 'echo', '--no-cache', '-q', '-o', path.join(dir, 'out.arrow')]);
    expect(toFile.stderr).toBe(
      "llmap: cannot write an Arrow file: the input replaces the dictionary of column 'd' between record batches, " +
        'which the Arrow file format cannot hold; write an Arrow stream (.arrows) instead\n',
    );
    expect(toFile.code).toBe(1);
    const out = path.join(dir, 'out.arrows');
    const toStream = await runCli(['run', input, '-c', 'd', '-p', 'echo', '--no-cache', '-q', '-o', out]);
    expect(toStream.stderr).toBe('');
    const after = tableFromIPC(readFileSync(out));
    expect(physicalColumn(after, 'd')).toEqual(physicalColumn(tableFromIPC(readFileSync(input)), 'd'));
    expect([...after.getChild('response')!]).toEqual(['a', 'b', 'y', 'x']);
  });

  it('the zoo covers every column the renderings are checked for', () => {
    expect(zooSchema().fields.map((f) => f.name)).toEqual(COLUMNS);
  });
});
