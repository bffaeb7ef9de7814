/**
 * The Parquet writer's thread (see parquet-encoder.ts): parquet-wasm's streaming writer fed with the
 * record batches the main thread posts as Arrow IPC stream bytes, posting back the Parquet bytes as
 * row groups fill. The WebAssembly encode and compression run here, beside the engine, not after it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ParquetCompression, ParquetWriteOptions } from './parquet-options.js';
import { ownBuffer } from './own-buffer.js';
import { loadParquetWasm, type ParquetWasm, type WasmModule } from './parquet-wasm.js';

/**
 * Main → worker: one batch (an Arrow IPC stream at the start of a buffer that is transferred), or
 * the end of the table.
 */
export type ToWriter = { ipc: Uint8Array<ArrayBuffer> } | { end: true };

/**
 * Worker → main: a batch handed to the writer (room for another; its buffer transferred back for
 * the next batch), Parquet bytes (transferred), the footer written (nothing follows), or why
 * writing failed. A trap (a Rust panic) is not caught here: it ends the thread, which the main
 * thread sees as the worker's error.
 */
export type FromWriter = { taken: ArrayBuffer } | { bytes: Uint8Array } | { done: true } | { failed: string };

type WasmBatch = ParquetWasm['RecordBatch']['prototype'];

/** What the thread is started with: how to write, and parquet-wasm as the main thread compiled it. */
export interface WriterData {
  options: ParquetWriteOptions;
  module: WasmModule;
}

const port = parentPort!;
const { options, module } = workerData as WriterData;
const pw = await loadParquetWasm(module);

/** Batches posted but not yet handed to the writer (the main thread keeps this to a few). */
const queue: Uint8Array[] = [];
let ended = false;
/** The writer's stream controller while it waits for a batch none is queued for. */
let waiting: ReadableStreamDefaultController<WasmBatch> | undefined;

/** Hands the next queued batch (or the end) to the writer. */
const give = (controller: ReadableStreamDefaultController<WasmBatch>): void => {
  const ipc = queue.shift();
  if (ipc === undefined) {
    if (ended) controller.close();
    else waiting = controller;
    return;
  }
  // Into WebAssembly memory as Arrow IPC: the one copy the boundary needs.
  const table = pw.Table.fromIPCStream(ipc);
  for (const batch of table.recordBatches()) controller.enqueue(batch);
  table.free();
  // Handed back rather than left to this thread's garbage collector, which runs seldom here (its heap
  // is small): buffers freed late pile up in malloc's arenas, tens of MB of RSS over a run.
  post({ taken: ipc.buffer as ArrayBuffer });
};

port.on('message', (message: ToWriter) => {
  if ('ipc' in message) queue.push(message.ipc);
  else ended = true;
  const controller = waiting;
  waiting = undefined;
  if (controller) {
    try {
      give(controller);
    } catch (err) {
      controller.error(err);
    }
  }
});

const batches = new ReadableStream<WasmBatch>({ pull: give }, { highWaterMark: 0 });
const props = new pw.WriterPropertiesBuilder()
  .setCompression(codecOf(pw)[options.compression])
  .setMaxRowGroupSize(options.rowGroupSize)
  .setCreatedBy('llmap (parquet-wasm)')
  .build();
try {
  // Resolves once the writer has read the first batch (it takes the schema from it).
  const bytes = await pw.transformParquetStream(batches, props);
  for await (const chunk of bytes as unknown as AsyncIterable<Uint8Array>) post({ bytes: chunk });
  post({ done: true });
} catch (err) {
  post({ failed: err instanceof Error ? err.message : String(err) });
}
port.close();

function post(message: FromWriter): void {
  if ('bytes' in message) {
    const bytes = ownBuffer(message.bytes);
    port.postMessage({ bytes }, [bytes.buffer]);
  } else if ('taken' in message) port.postMessage(message, [message.taken]);
  else port.postMessage(message);
}

function codecOf(pw: ParquetWasm): Record<ParquetCompression, number> {
  return { zstd: pw.Compression.ZSTD, snappy: pw.Compression.SNAPPY, gzip: pw.Compression.GZIP, none: pw.Compression.UNCOMPRESSED };
}
