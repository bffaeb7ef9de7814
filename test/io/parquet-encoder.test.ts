/**
 * The Parquet encoder and its writer thread (the built dist/io/parquet-write-worker.js; `npm test`
 * builds first): bytes streamed back in order, a valid file for an empty table, and every way the
 * thread can fail or be abandoned ending in one error line or a process that exits.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Field, Int32, RecordBatch, Schema, Table, Utf8, tableFromArrays, tableFromIPC, type TypeMap } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { MAX_IN_FLIGHT, parquetEncoder } from '../../src/io/parquet-encoder.js';
import { loadParquetWasm } from '../../src/io/parquet-wasm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WRITER_THREAD = pathToFileURL(path.join(ROOT, 'dist/io/parquet-write-worker.js'));

/** A stand-in writer thread: an ES module given as its source text. */
const fakeThread = (source: string): URL => new URL(`data:text/javascript,${encodeURIComponent(source)}`);

const batchOf = (from: number, rows: number): RecordBatch => {
  const ids = Array.from({ length: rows }, (_, k) => from + k);
  return tableFromArrays({ id: Int32Array.from(ids), text: ids.map((i) => `row ${i}`) }).batches[0];
};

async function readBack(bytes: Uint8Array): Promise<{ table: Table<TypeMap>; rowGroups: number }> {
  const pw = await loadParquetWasm();
  const file = await pw.ParquetFile.fromFile(new Blob([bytes]));
  const rowGroups = file.metadata().numRowGroups();
  const table = tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  return { table, rowGroups };
}

describe('Parquet encoder on its writer thread', () => {
  it('returns the row groups while batches still go in, in order, then the footer', async () => {
    const encoder = parquetEncoder({ rowGroupSize: 1000, compression: 'zstd' }, WRITER_THREAD);
    const chunks: Uint8Array[] = [await encoder.start(batchOf(0, 1).schema)];
    for (let from = 0; from < 20_000; from += 500) chunks.push(await encoder.write(batchOf(from, 500)));
    const beforeFinish = chunks.reduce((n, c) => n + c.length, 0);
    chunks.push(await encoder.finish());
    const bytes = Buffer.concat(chunks);

    expect(beforeFinish).toBeGreaterThan(0);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    const { table, rowGroups } = await readBack(bytes);
    expect(rowGroups).toBe(20);
    expect(table.numRows).toBe(20_000);
    expect(table.getChild('id')!.get(12_345)).toBe(12_345);
    expect(table.getChild('text')!.get(19_999)).toBe('row 19999');
    expect(Array.from(table.getChild('id')!.toArray() as Int32Array).every((id, k) => id === k)).toBe(true);
  });

  it('writes an empty table as a valid file with its columns', async () => {
    const schema = new Schema([new Field('id', new Int32(), true), new Field('text', new Utf8(), true)]);
    const encoder = parquetEncoder(undefined, WRITER_THREAD);
    const bytes = Buffer.concat([await encoder.start(schema), await encoder.finish()]);
    const { table } = await readBack(bytes);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(['id: Int32', 'text: Utf8']);
  });

  it('holds a write back while the thread has not taken the batches before it', async () => {
    // Takes nothing; one batch more than MAX_IN_FLIGHT reaching it would mean no backpressure (exit code 4).
    const thread = fakeThread(`
      import { parentPort } from 'node:worker_threads';
      let batches = 0;
      parentPort.on('message', () => { if (++batches === ${MAX_IN_FLIGHT + 1}) process.exit(4); });
      setTimeout(() => process.exit(5), 500);`);
    const encoder = parquetEncoder(undefined, thread);
    await encoder.start(batchOf(0, 1).schema);
    for (let k = 0; k < MAX_IN_FLIGHT; k++) expect((await encoder.write(batchOf(k, 10))).length).toBe(0);
    await expect(encoder.write(batchOf(MAX_IN_FLIGHT, 10))).rejects.toThrow(/^cannot write Parquet: the writer thread stopped \(exit code 5\)$/);
  });

  it('a thread that dies or throws fails the output with one line', async () => {
    const died = parquetEncoder(undefined, fakeThread('process.exit(3)'));
    await died.start(batchOf(0, 1).schema);
    await expect(died.finish()).rejects.toThrow(/^cannot write Parquet: the writer thread stopped \(exit code 3\)$/);

    const threw = parquetEncoder(undefined, fakeThread(`throw new Error('the column cannot be encoded')`));
    await threw.start(batchOf(0, 1).schema);
    await expect((async () => {
      for (let k = 0; ; k++) await threw.write(batchOf(k, 10));
    })()).rejects.toThrow(/^cannot write Parquet: the column cannot be encoded$/);
  });

  it('an encoder left unfinished (a run that stopped) does not keep the process alive', () => {
    const script = `(async () => {
      const { tableFromArrays } = await import('apache-arrow');
      const { parquetEncoder } = await import('./dist/io/parquet-encoder.js');
      const batch = tableFromArrays({ id: Int32Array.from({ length: 5000 }, (_, k) => k) }).batches[0];
      const encoder = parquetEncoder();
      await encoder.start(batch.schema);
      for (let k = 0; k < 10; k++) await encoder.write(batch);
      console.log('left');
    })()`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 20_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('left\n');
    expect(run.status).toBe(0);
  });
});
