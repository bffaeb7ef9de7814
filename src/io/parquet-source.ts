import { openAsBlob } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tableFromIPC, type RecordBatch } from 'apache-arrow';
import { InputError } from '../errors.js';
import { openInputFile } from './open-input-stream.js';
import { parquetErrorMessage } from './parquet-error-message.js';
import { loadParquetWasm, type ParquetWasm } from './parquet-wasm.js';
import { recordBatchSource } from './record-batch-source.js';
import { spoolStdin, type SpooledInput } from './spool-stdin.js';
import { trapped } from './wasm-panic-guard.js';
import type { TableSource } from './table.js';

/**
 * Rows per record batch read. Memory holds one row group's compressed column chunks plus one
 * decoded batch, whatever the file's size; 8192 rows read about twice as fast as 1024.
 */
const READ_BATCH_ROWS = 8192;

/**
 * Streams a Parquet file, row group by row group, batch by batch. The file is read lazily through a
 * Blob (`fs.openAsBlob`): only the footer and the column chunks being decoded are in memory.
 * Parquet must be read from its footer (at the end), so stdin is first copied to a temp file.
 */
export async function openParquetSource(path: string, stdin?: NodeJS.ReadableStream): Promise<TableSource> {
  const name = path === '-' ? 'stdin' : path;
  let spooled: SpooledInput | undefined;
  if (path === '-') {
    try {
      spooled = await spoolStdin(stdin ?? process.stdin, '.parquet');
    } catch (err) {
      throw new InputError(`cannot read stdin into a temp file for Parquet: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const file = spooled?.path ?? path;
  const ends = await readEnds(await openInputFile(file));
  const invalid = async (err: unknown): Promise<InputError> =>
    err instanceof InputError ? err : parquetErrorMessage(name, ends, err);

  const pw = await loadParquetWasm();
  let parquet: ParquetWasm['ParquetFile']['prototype'] | undefined;
  let reader: ReadableStreamDefaultReader<ParquetWasm['RecordBatch']['prototype']> | undefined;
  let closed = false;
  const trap = trapped();
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // After a trap the WebAssembly instance is broken: calling into it again would trap again.
    if (!trap.hit) {
      await reader?.cancel().catch(() => undefined);
      parquet?.free();
    }
    trap.release();
    await spooled?.remove();
  };

  let schema;
  try {
    parquet = await Promise.race([pw.ParquetFile.fromFile(await openAsBlob(file)), trap.rejection]);
    schema = tableFromIPC(parquet.schema().intoIPCStream()).schema;
  } catch (err) {
    const error = await invalid(err);
    await close();
    throw error;
  }
  const opened = parquet;

  async function* batches(): AsyncGenerator<RecordBatch> {
    const stream = (await Promise.race([opened.stream({ batchSize: READ_BATCH_ROWS }), trap.rejection])) as ReadableStream<ParquetWasm['RecordBatch']['prototype']>;
    reader = stream.getReader();
    for (;;) {
      const next = await Promise.race([reader.read(), trap.rejection]);
      if (next.done) return;
      // The batch moves out of WebAssembly memory as Arrow IPC, which apache-arrow reads without copying.
      yield* tableFromIPC(next.value.intoIPCStream()).batches;
    }
  }
  return recordBatchSource({ schema, batches: batches(), name, close, invalid });
}

/** The file's first and last 4 bytes, to explain a failure; undefined when unreadable. Closes the handle. */
async function readEnds(handle: FileHandle): Promise<{ head: Buffer; tail: Buffer } | undefined> {
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(4, size));
    const tail = Buffer.alloc(Math.min(4, size));
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, Math.max(0, size - 4));
    return { head, tail };
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
