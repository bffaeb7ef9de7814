import { tableFromArrays, tableToIPC, RecordBatchStreamWriter, RecordBatch, Table } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { countRows } from '../../src/io/count-rows.js';
import { tempDir, tempFile } from './helpers.js';

/** An Arrow table of `n` rows split into batches of `size`. */
function batchedTable(n: number, size: number): Table {
  const whole = tableFromArrays({ id: Int32Array.from({ length: n }, (_, i) => i), text: Array.from({ length: n }, (_, i) => `r${i}`) });
  const batches: RecordBatch[] = [];
  for (let start = 0; start < n; start += size) batches.push(...whole.slice(start, start + size).batches);
  return new Table(batches);
}

describe('countRows', () => {
  it('counts CSV records after the header, with quoted newlines and blank lines', async () => {
    const path = tempFile('a.csv', '\ufeffid,text\r\n1,"two\r\nlines"\r\n\r\n2,"a, b"\r\n3,x');
    expect(await countRows(path, 'csv')).toBe(3);
  });

  it('agrees with the reader on stray and escaped quotes', async () => {
    const csv = 'id,text\n1,5" screen\n2,"say ""hi""\nthere"\n3,"",x\n4,a""b\n';
    expect(await countRows(tempFile('a.csv', csv), 'csv')).toBe(4);
  });

  it('counts TSV records', async () => {
    expect(await countRows(tempFile('a.tsv', 'id\ttext\n1\ta\n2\t"b\nc"\n'), 'tsv')).toBe(2);
  });

  it('counts the README fixture', async () => {
    expect(await countRows('fixtures/reviews.csv', 'csv')).toBe(8);
  });

  it('counts 0 for a header-only or empty CSV', async () => {
    expect(await countRows(tempFile('a.csv', 'id,text\n'), 'csv')).toBe(0);
    expect(await countRows(tempFile('a.csv', ''), 'csv')).toBe(0);
  });

  it('counts non-blank JSONL lines, with or without a final newline', async () => {
    expect(await countRows(tempFile('a.jsonl', '{"a":1}\n\n  \r\n{"a":2}\r\n{"a":3}'), 'jsonl')).toBe(3);
    expect(await countRows(tempFile('a.jsonl', '{"a":1}\n{"a":2}\n'), 'jsonl')).toBe(2);
    expect(await countRows(tempFile('a.jsonl', ''), 'jsonl')).toBe(0);
  });

  it('sums Arrow batch lengths for the file and stream formats', async () => {
    const table = batchedTable(2500, 1000);
    expect(table.batches.map((b) => b.numRows)).toEqual([1000, 1000, 500]);
    expect(await countRows(tempFile('a.arrow', tableToIPC(table, 'file')), 'arrow')).toBe(2500);
    expect(await countRows(tempFile('a.arrows', tableToIPC(table, 'stream')), 'arrow')).toBe(2500);
  });

  it('counts 0 for an Arrow stream with no batches', async () => {
    const empty = tableFromArrays({ id: Int32Array.from([]) });
    const bytes = RecordBatchStreamWriter.writeAll(empty).toUint8Array(true);
    expect(await countRows(tempFile('a.arrows', bytes), 'arrow')).toBe(0);
  });

  it('reads a Parquet row count from the footer, across row groups', async () => {
    const props = new WriterPropertiesBuilder().setMaxRowGroupSize(1000).build();
    const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(batchedTable(2500, 700), 'stream')), props);
    expect(await countRows(tempFile('a.parquet', bytes), 'parquet')).toBe(2500);
    expect(await countRows(tempFile('b.parquet', 'PAR1 not really'), 'parquet')).toBeUndefined();
  });

  it('is undefined for stdin, a folder, a missing file or a corrupt file', async () => {
    expect(await countRows('-', 'csv')).toBeUndefined();
    expect(await countRows(tempDir(), 'csv')).toBeUndefined();
    expect(await countRows(`${tempDir()}/missing.jsonl`, 'jsonl')).toBeUndefined();
    expect(await countRows(tempFile('a.arrow', 'id,text\n1,2\n'), 'arrow')).toBeUndefined();
    const truncated = tableToIPC(batchedTable(10, 5), 'stream').subarray(0, 150);
    expect(await countRows(tempFile('a.arrows', truncated), 'arrow')).toBeUndefined();
  });
});
