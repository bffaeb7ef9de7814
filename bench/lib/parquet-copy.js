#!/usr/bin/env node
/**
 * The Parquet baseline: parquet-wasm (the library llmap uses) copying a file on its own, streamed
 * the way llmap reads and writes it: record batches of 8,192 rows from a lazily read Blob, into its
 * streaming writer with the same row group size and zstd. What llmap's engine and Arrow work add
 * on top is the difference.
 *   node bench/lib/parquet-copy.js IN OUT [ROW_GROUP_ROWS]
 */
import { openAsBlob } from 'node:fs';
import { open } from 'node:fs/promises';
import * as pw from 'parquet-wasm';

const [input, output, rowGroupRows = '100000'] = process.argv.slice(2);
const file = await pw.ParquetFile.fromFile(await openAsBlob(input));
const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).setMaxRowGroupSize(Number(rowGroupRows)).build();
const bytes = await pw.transformParquetStream(await file.stream({ batchSize: 8192 }), props);
const out = await open(output, 'w');
for await (const chunk of bytes) await out.write(chunk);
await out.close();
