/**
 * Schema-derived columns in every writer: the JSON value in JSONL, text (JSON for lists and
 * objects) in CSV, and a real Arrow type, nulls included, a `json` column as JSON text in Arrow.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { AddedColumn, Row, TableFormat } from '../../src/io/table.js';
import { openTestSink, tempDir } from './helpers.js';

const added: AddedColumn[] = [
  { name: 'label', type: { kind: 'enum', values: ['a', 'b'] } },
  { name: 'n', type: { kind: 'int' } },
  { name: 'tags', type: { kind: 'list', items: { kind: 'string' } } },
  { name: 'who', type: { kind: 'struct', fields: [{ name: 'name', type: { kind: 'string' } }, { name: 'ids', type: { kind: 'list', items: { kind: 'int' } } }] } },
  { name: 'any', type: { kind: 'json' } },
];
const rows: [Row, unknown[]][] = [
  [['1'], ['a', 7, ['x', 'y'], { name: 'Ann', ids: [1, 2] }, { k: [true] }]],
  [['2'], [null, null, null, null, null]],
  [['3'], ['b', 9007199254740991, [], { name: 'Bo' }, 'text']],
];

async function write(format: TableFormat): Promise<string> {
  const path = join(tempDir(), `out.${format}`);
  const sink = await openTestSink({ path, format, source: { columns: ['id'] }, added });
  for (const [row, cells] of rows) await sink.write([...row, ...cells]);
  await sink.finish();
  return path;
}

describe('schema-derived columns', () => {
  it('JSONL: native JSON values', async () => {
    expect(readFileSync(await write('jsonl'), 'utf8')).toBe(
      '{"id":"1","label":"a","n":7,"tags":["x","y"],"who":{"name":"Ann","ids":[1,2]},"any":{"k":[true]}}\n' +
        '{"id":"2","label":null,"n":null,"tags":null,"who":null,"any":null}\n' +
        '{"id":"3","label":"b","n":9007199254740991,"tags":[],"who":{"name":"Bo"},"any":"text"}\n',
    );
  });

  it('CSV: scalars as text, lists and objects as JSON text', async () => {
    expect(readFileSync(await write('csv'), 'utf8')).toBe(
      'id,label,n,tags,who,any\n' +
        '1,a,7,"[""x"",""y""]","{""name"":""Ann"",""ids"":[1,2]}","{""k"":[true]}"\n' +
        '2,,,,,\n' +
        '3,b,9007199254740991,[],"{""name"":""Bo""}",text\n',
    );
  });

  it('Arrow: Dictionary, Int64, List, Struct (a missing member null), json as text', async () => {
    const table = tableFromIPC(readFileSync(await write('arrow')));
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'id:Utf8', 'label:Dictionary<Int32, Utf8>', 'n:Int64', 'tags:List<Utf8>', 'who:Struct<{name:Utf8, ids:List<Int64>}>', 'any:Utf8',
    ]);
    const plain = JSON.parse(JSON.stringify(table.toArray().map((r) => r.toJSON()), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    expect(plain).toEqual([
      { id: '1', label: 'a', n: '7', tags: ['x', 'y'], who: { name: 'Ann', ids: ['1', '2'] }, any: '{"k":[true]}' },
      { id: '2', label: null, n: null, tags: null, who: null, any: null },
      { id: '3', label: 'b', n: '9007199254740991', tags: [], who: { name: 'Bo', ids: null }, any: '"text"' },
    ]);
  });
});
