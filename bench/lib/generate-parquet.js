/**
 * A Parquet input for benchmarks: the rows of generate-rows.js (`id` Int64, `text` Utf8) plus a
 * Float64 and a timestamp column, written by parquet-wasm in row groups of 100,000 rows.
 */
import { open } from 'node:fs/promises';
import { Float64, Int64, Table, TimestampMicrosecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { rowText } from './generate-rows.js';

const CHUNK_ROWS = 50_000;

/** Writes `rows` rows to `file`; resolves once it is on disk. */
export async function writeRowsParquet(file, rows) {
  async function* batches() {
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const ids = Array.from({ length: Math.min(CHUNK_ROWS, rows - start) }, (_, k) => start + k);
      const table = new Table({
        id: vectorFromArray(ids.map(BigInt), new Int64()),
        text: vectorFromArray(ids.map(rowText), new Utf8()),
        score: vectorFromArray(ids.map((i) => (i % 1000) / 7), new Float64()),
        at: vectorFromArray(ids.map((i) => 1_700_000_000_000 + i * 1000), new TimestampMicrosecond()),
      });
      yield* pw.Table.fromIPCStream(tableToIPC(table, 'stream')).recordBatches();
    }
  }
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).setMaxRowGroupSize(100_000).build();
  const bytes = await pw.transformParquetStream(ReadableStream.from(batches()), props);
  const out = await open(file, 'w');
  for await (const chunk of bytes) await out.write(chunk);
  await out.close();
}
