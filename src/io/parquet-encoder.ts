import { Worker } from 'node:worker_threads';
import { makeBuilder, makeData, RecordBatch, Struct, Table, tableToIPC, type Schema } from 'apache-arrow';
import type { BatchEncoder } from './batch-encoder.js';
import { DEFAULT_PARQUET_OPTIONS, type ParquetWriteOptions } from './parquet-options.js';
import { parquetWasmModule } from './parquet-wasm.js';
import type { FromWriter, ToWriter, WriterData } from './parquet-write-worker.js';

/**
 * Batches posted to the writer thread that its writer has not taken yet. One: the engine builds the
 * next batch while the thread encodes this one, and each batch more in flight cost ~15 MB of peak
 * RSS at 1M rows (three put the Parquet benchmark over its 300 MB ceiling) for no measurable speed.
 */
export const MAX_IN_FLIGHT = 1;

const WRITER_THREAD = new URL('./parquet-write-worker.js', import.meta.url);

/**
 * Parquet through parquet-wasm's streaming writer (arrow-rs), on a worker thread of its own
 * (parquet-write-worker.ts): the WebAssembly encode and compression run beside the engine instead
 * of taking turns with it. Batches go over as Arrow IPC in a few buffers transferred back and forth
 * (see `carrier`), row groups come back as they fill, and the footer at the end: Parquet is written front to back, so
 * stdout works. A write waits only while MAX_IN_FLIGHT batches are still untaken (backpressure),
 * then returns the bytes so far. The thread keeps the process alive only while a batch or the
 * footer is awaited, so a run that stops early (an error, Ctrl-C) never hangs on it.
 */
export function parquetEncoder(options: ParquetWriteOptions = DEFAULT_PARQUET_OPTIONS, writerThread: URL = WRITER_THREAD): BatchEncoder {
  let worker: Worker;
  let columns: Schema;
  let inFlight = 0;
  let finishing = false;
  let done = false;
  let written = false;
  let failure: unknown;
  let out: Uint8Array[] = [];
  /** Buffers the thread handed back, to carry the next batches (see `carrier`). */
  const spare: ArrayBuffer[] = [];
  /** The one step waiting on the thread (writes and finish run one after another). */
  let wake: (() => void) | undefined;
  let last: Promise<unknown> = Promise.resolve();

  const keepAlive = (): void => {
    if (!done && failure === undefined && (inFlight > 0 || finishing)) worker.ref();
    else worker.unref();
  };
  const changed = (): void => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
    keepAlive();
  };
  const until = async (ready: () => boolean): Promise<void> => {
    while (!ready() && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
  };
  const fail = (err: unknown): void => {
    failure ??= err;
    changed();
    void worker.terminate();
  };
  const take = (): Uint8Array => {
    if (failure !== undefined) throw new Error(`cannot write Parquet: ${failure instanceof Error ? failure.message : String(failure)}`, { cause: failure });
    const bytes = Buffer.concat(out);
    out = [];
    return bytes;
  };
  /** Runs `step` after the steps before it, so each returns the bytes in order. */
  const serially = <T>(step: () => Promise<T>): Promise<T> => {
    const run = last.then(step);
    last = run.catch(() => undefined);
    return run;
  };
  const post = (message: ToWriter): void => {
    if ('ipc' in message) worker.postMessage(message, [message.ipc.buffer]);
    else worker.postMessage(message);
  };

  async function send(batch: RecordBatch): Promise<void> {
    await until(() => inFlight < MAX_IN_FLIGHT);
    if (failure !== undefined) take();
    written = true;
    inFlight++;
    keepAlive();
    post({ ipc: carrier(tableToIPC(new Table(batch), 'stream')) });
  }

  /**
   * The IPC bytes copied into a buffer that goes to the thread and back again: a handful of buffers
   * circulate instead of one new allocation per batch freed on the other thread, which costs a copy
   * of the batch but keeps malloc's per-thread arenas from growing.
   */
  function carrier(ipc: Uint8Array): Uint8Array<ArrayBuffer> {
    let buffer = spare.pop();
    if (buffer === undefined || buffer.byteLength < ipc.length) buffer = new ArrayBuffer(Math.ceil(ipc.length * 1.25));
    const bytes = new Uint8Array(buffer, 0, ipc.length);
    bytes.set(ipc);
    return bytes;
  }

  return {
    async start(schema: Schema) {
      columns = schema;
      const workerData: WriterData = { options, module: await parquetWasmModule() };
      worker = new Worker(writerThread, { workerData });
      worker.on('message', (message: FromWriter) => {
        if ('taken' in message) {
          inFlight--;
          spare.push(message.taken);
        }
        else if ('bytes' in message) out.push(message.bytes);
        else if ('done' in message) done = true;
        else fail(new Error(message.failed));
        changed();
      });
      // A trap (a Rust panic) or any other throw ends the thread with its error.
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!done) fail(new Error(`the writer thread stopped (exit code ${code})`));
      });
      // After the listeners: adding a 'message' listener refs the worker again.
      keepAlive();
      return new Uint8Array(0);
    },
    write(batch: RecordBatch) {
      return serially(async () => {
        await send(batch);
        return take();
      });
    },
    finish() {
      return serially(async () => {
        // The writer needs one batch for the schema: an empty table is written as a zero-row batch.
        if (!written) await send(emptyBatch(columns));
        if (failure === undefined) {
          finishing = true;
          keepAlive();
          post({ end: true });
          await until(() => done);
        }
        return take();
      });
    },
  };
}

/** A record batch of no rows: each column an empty builder's output, so nested types get their children. */
function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((field) => makeBuilder({ type: field.type }).flush());
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}
