import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { openTableSource } from '../../src/io/open-table-source.js';
import type { AddedColumn, Row, TableFormat } from '../../src/io/table.js';
import { readRows, rejection, tempDir, openTestSink } from './helpers.js';

const added: AddedColumn[] = [
  { name: 'summary', type: 'string' },
  { name: 'positive', type: 'boolean' },
];

async function writeTable(path: string, format: TableFormat, columns: string[], rows: Row[], add = added) {
  const sink = await openTestSink({ path, format, source: { columns }, added: add });
  for (const row of rows) await sink.write(row);
  await sink.finish();
  return readFileSync(path, 'utf8');
}

describe('CSV/TSV writer', () => {
  it('writes the header, then rows, quoting only where needed', async () => {
    const path = join(tempDir(), 'out.csv');
    const text = await writeTable(path, 'csv', ['id', 'text'], [
      ['1', 'a, b', 'short', true],
      ['2', 'say "hi"', null, false],
      ['3', 'line1\nline2', '😀 日本', null],
      [4, { k: [1, 2n] }, undefined, true],
    ]);
    expect(text).toBe(
      'id,text,summary,positive\n' +
        '1,"a, b",short,true\n' +
        '2,"say ""hi""",,false\n' +
        '3,"line1\nline2",😀 日本,\n' +
        '4,"{""k"":[1,2]}",,true\n',
    );
  });

  it('quotes a cell holding a lone carriage return (pandas and DuckDB split the row at an unquoted one)', async () => {
    for (const [format, d] of [['csv', ','], ['tsv', '\t']] as const) {
      const path = join(tempDir(), `out.${format}`);
      expect(await writeTable(path, format, ['id', 'a\rb'], [['1', 'abc\r', 'x\ry', null]])).toBe(
        `id${d}"a\rb"${d}summary${d}positive\n1${d}"abc\r"${d}"x\ry"${d}\n`,
      );
    }
  });

  it('writes a header even with no rows', async () => {
    const path = join(tempDir(), 'out.csv');
    expect(await writeTable(path, 'csv', ['id'], [])).toBe('id,summary,positive\n');
  });

  it('writes TSV', async () => {
    const path = join(tempDir(), 'out.tsv');
    expect(await writeTable(path, 'tsv', ['id', 'text'], [['1', 'a, b', 'x\ty', false]])).toBe(
      'id\ttext\tsummary\tpositive\n1\ta, b\t"x\ty"\tfalse\n',
    );
  });

  it('round-trips tricky cells through the reader', async () => {
    const rows = [
      ['1', 'a, "b"\r\nc', 'ü😀', ''],
      ['2', '', ' lead and trail ', '"'],
    ];
    for (const format of ['csv', 'tsv'] as const) {
      const path = join(tempDir(), `rt.${format}`);
      await writeTable(path, format, ['id', 'text', 'more', 'last'], rows, []);
      const source = await openTableSource({ path, format });
      expect(source.columns).toEqual(['id', 'text', 'more', 'last']);
      expect(await readRows(source)).toEqual(rows);
    }
  });
});

describe('JSONL writer', () => {
  it('keeps input types and types added columns', async () => {
    const path = join(tempDir(), 'out.jsonl');
    const add: AddedColumn[] = [
      { name: 's', type: 'string' },
      { name: 'b', type: 'boolean' },
      { name: 'i', type: 'int' },
      { name: 'f', type: 'float' },
    ];
    const text = await writeTable(
      path,
      'jsonl',
      ['id', 'big', 'huge', 'obj'],
      [
        [1, 2n, 2n ** 64n, { a: [1] }, 'x', true, 3, 1.5],
        ['2', null, undefined, 'text', 5, 'true', '7', '2.25'],
        [3, 0, 0, null, null, null, null, null],
      ],
      add,
    );
    expect(text.split('\n')).toEqual([
      '{"id":1,"big":2,"huge":"18446744073709551616","obj":{"a":[1]},"s":"x","b":true,"i":3,"f":1.5}',
      '{"id":"2","big":null,"huge":null,"obj":"text","s":"5","b":true,"i":7,"f":2.25}',
      '{"id":3,"big":0,"huge":0,"obj":null,"s":null,"b":null,"i":null,"f":null}',
      '',
    ]);
  });
});

describe('file target', () => {
  it('writes to a temp file and renames it onto the target on finish', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    const sink = await openTestSink({ path, format: 'csv', source: { columns: ['id'] }, added: [] });
    for (let i = 0; i < 1000; i++) await sink.write([String(i)]);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^\.out\.csv\.\d+\.[0-9a-f]+\.llmap-tmp$/)]);
    await sink.finish();
    expect(readdirSync(dir)).toEqual(['out.csv']);
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(1002);
  });

  it('abort() leaves neither the target nor the temp file', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    const sink = await openTestSink({ path, format: 'csv', source: { columns: ['id'] }, added: [] });
    await sink.write(['1']);
    expect(await sink.abort()).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('abort(true) keeps what was written as <target>.partial', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    const sink = await openTestSink({ path, format: 'csv', source: { columns: ['id'] }, added: [] });
    await sink.write(['1']);
    await sink.write(['2']);
    expect(await sink.abort(true)).toBe(`${path}.partial`);
    expect(readdirSync(dir)).toEqual(['out.csv.partial']);
    expect(readFileSync(`${path}.partial`, 'utf8')).toBe('id\n1\n2\n');
  });

  it('removes temp files of dead runs on the same target, and only those', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.csv');
    // 99999999 is above Linux's largest pid, so no process has it; the parent of this test runs.
    const stale = '.out.csv.99999999.0badc0de.llmap-tmp';
    const live = `.out.csv.${process.ppid}.0badc0de.llmap-tmp`;
    const other = '.other.csv.99999999.0badc0de.llmap-tmp';
    for (const name of [stale, live, other]) writeFileSync(join(dir, name), 'half a table');
    await writeTable(path, 'csv', ['id'], [['1']], []);
    expect(readdirSync(dir).sort()).toEqual([live, other, 'out.csv'].sort());
  });

  it('leaves an existing target untouched until finish', async () => {
    const dir = tempDir();
    const path = join(dir, 'out.jsonl');
    await writeTable(path, 'jsonl', ['v'], [['old']], []);
    const sink = await openTestSink({ path, format: 'jsonl', source: { columns: ['v'] }, added: [] });
    await sink.write(['new']);
    expect(readFileSync(path, 'utf8')).toBe('{"v":"old"}\n');
    await sink.abort();
    expect(readFileSync(path, 'utf8')).toBe('{"v":"old"}\n');
  });

  it('refuses a target in a missing folder before any row', async () => {
    const dir = tempDir();
    const err = await rejection(
      openTestSink({ path: join(dir, 'out', 'x.csv'), format: 'csv', source: { columns: ['id'] }, added: [] }),
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`cannot write '${join(dir, 'out', 'x.csv')}': folder '${join(dir, 'out')}' does not exist`);
  });

  it('refuses a target that is a folder', async () => {
    const dir = tempDir();
    const err = await rejection(openTestSink({ path: dir, format: 'csv', source: { columns: ['id'] }, added: [] }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`cannot write '${dir}': it is a folder`);
  });

  it('names a relative folder as given', async () => {
    const err = await rejection(
      openTestSink({ path: 'no-such-folder-llmap/x.csv', format: 'csv', source: { columns: ['id'] }, added: [] }),
    );
    expect(err.message).toBe("cannot write 'no-such-folder-llmap/x.csv': folder 'no-such-folder-llmap' does not exist");
  });
});

describe('special files as output', () => {
  it('writes to /dev/null in place, as CSV by default, without replacing the device node', async () => {
    const { openTableSink, detectFormat } = await import('../../src/io/index.js');
    const { statSync } = await import('node:fs');
    expect(detectFormat('/dev/null', undefined, '--output-format')).toBe('csv');
    const sink = await openTestSink({ path: '/dev/null', format: 'csv', source: { columns: ['a'] }, added: [{ name: 'response', type: 'string' }] });
    await sink.write(['x', 'y']);
    await sink.finish();
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});
