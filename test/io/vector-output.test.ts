import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { MAX_HELD_ROWS } from '../../src/io/arrow-sink.js';
import type { AddedColumn, Row, TableFormat } from '../../src/io/table.js';
import { shortestFloat32, vectorJson } from '../../src/io/vector-json.js';
import { rejection, tempDir, openTestSink } from './helpers.js';

const vec = (...values: number[]) => Float32Array.from(values);

async function write(format: TableFormat, rows: Row[], column: AddedColumn = { name: 'embedding', type: 'float32-vector' }) {
  const path = join(tempDir(), `out.${format}`);
  const sink = await openTestSink({ path, format, source: { columns: ['id'] }, added: [column] });
  for (const row of rows) await sink.write(row);
  await sink.finish();
  return path;
}

function arrowColumn(path: string) {
  const table = tableFromIPC(readFileSync(path));
  const type = table.schema.fields[1].type as { listSize: number };
  const values = [...table.getChild('embedding')!].map((v) => (v === null ? null : [...(v.toArray() as Float32Array)]));
  return { type: String(type), listSize: type.listSize, values, rows: table.numRows };
}

describe('vector columns', () => {
  it('CSV: a JSON array of shortest float32 decimals; null is an empty cell', async () => {
    const path = await write('csv', [['1', vec(0.1, -2.5, 1e-7)], ['2', null]]);
    expect(readFileSync(path, 'utf8')).toBe('id,embedding\n1,"[0.1,-2.5,1e-7]"\n2,\n');
  });

  it('JSONL: a JSON array of numbers; null stays null', async () => {
    const path = await write('jsonl', [['1', vec(0.1, 3)], ['2', null]]);
    expect(readFileSync(path, 'utf8')).toBe('{"id":"1","embedding":[0.1,3]}\n{"id":"2","embedding":null}\n');
  });

  it('Arrow: FixedSizeList<Float32> sized by the first vector, rows before it held and written as null', async () => {
    const path = await write('arrow', [['1', null], ['2', vec(1, 2, 3)], ['3', null], ['4', vec(0.1, 0.2, 0.3)]]);
    expect(arrowColumn(path)).toEqual({
      type: 'FixedSizeList[3]<Float32>',
      listSize: 3,
      values: [null, [1, 2, 3], null, [...vec(0.1, 0.2, 0.3)]],
      rows: 4,
    });
  });

  it('Arrow: a listSize given up front is used, across many record batches', async () => {
    const rows: Row[] = Array.from({ length: 2500 }, (_, i) => [String(i), vec(i, -i)]);
    const path = await write('arrow', rows, { name: 'embedding', type: 'float32-vector', listSize: 2 });
    const back = arrowColumn(path);
    expect(back.listSize).toBe(2);
    expect(back.values[2499]).toEqual([2499, -2499]);
  });

  it('Arrow: with no vector at all the list size is 0 and every cell null', async () => {
    expect(arrowColumn(await write('arrow', [['1', null]]))).toEqual({ type: 'FixedSizeList[0]<Float32>', listSize: 0, values: [null], rows: 1 });
    expect(arrowColumn(await write('arrow', [])).rows).toBe(0);
  });

  it('Arrow: a vector of another size is an error naming the row and column', async () => {
    const path = join(tempDir(), 'out.arrow');
    const sink = await openTestSink({ path, format: 'arrow', source: { columns: ['id'] }, added: [{ name: 'embedding', type: 'float32-vector' }] });
    await sink.write(['1', vec(1, 2)]);
    expect(() => sink.write(['2', vec(1, 2, 3)])).toThrow("output row 2 has a vector of 3 values in column 'embedding', but the column holds 2");
    await sink.abort();
  });

  it(`Arrow: rows are held only up to ${MAX_HELD_ROWS} while the size is unknown`, async () => {
    const sink = await openTestSink({ path: join(tempDir(), 'out.arrow'), format: 'arrow', source: { columns: ['id'] }, added: [{ name: 'embedding', type: 'float32-vector' }] });
    const err = await rejection((async () => {
      for (let i = 0; i < MAX_HELD_ROWS; i++) await sink.write([String(i), null]);
    })());
    expect(err.message).toMatch(/^cannot write Arrow: none of the first 65536 rows has a vector in column 'embedding'/);
    await sink.abort();
  });

  it('shortestFloat32 reads back as the same float32', () => {
    for (const x of [0.1, 1 / 3, -2.5, 1e-30, 3.4e38, 0, 16777217, Math.PI]) {
      const f = Math.fround(x);
      const text = shortestFloat32(f);
      expect(Math.fround(Number(text))).toBe(f);
      expect(text.replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
    expect(shortestFloat32(Math.fround(0.1))).toBe('0.1');
    expect(shortestFloat32(NaN)).toBe('null');
    expect(vectorJson(vec())).toBe('[]');
  });
});
