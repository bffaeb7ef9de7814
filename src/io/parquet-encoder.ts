import { makeBuilder, makeData, RecordBatch, Struct, Table, tableToIPC, type Schema } from 'apache-arrow';
import type { BatchEncoder } from './batch-encoder.js';
import { DEFAULT_PARQUET_OPTIONS, type ParquetCompression, type ParquetWriteOptions } from './parquet-options.js';
import { loadParquetWasm, type ParquetWasm } from './parquet-wasm.js';
import { trapped } from './wasm-panic-guard.js';

type WasmBatch = ParquetWasm['RecordBatch']['prototype'];

/**
 * Parquet through parquet-wasm's streaming writer (arrow-rs): batches go in one at a time, row groups
 * come out as they fill, and the footer at the end. Parquet is written front to back, so stdout works.
 * Each write waits until the writer has taken its batch (backpressure), then returns the bytes so far.
 */
export function parquetEncoder(options: ParquetWriteOptions = DEFAULT_PARQUET_OPTIONS): BatchEncoder {
  let pw: ParquetWasm;
  let input: ReadableStreamDefaultController<WasmBatch>;
  /** Whether the writer has asked for a batch that has not been given yet, and who waits for that. */
  let asked = false;
  let onAsk: (() => void) | undefined;
  const waitForAsk = async (): Promise<void> => {
    if (!asked && failure === undefined) await new Promise<void>((resolve) => (onAsk = resolve));
    asked = false;
  };
  const ask = (): void => {
    asked = true;
    onAsk?.();
    onAsk = undefined;
  };
  let out: Uint8Array[] = [];
  let failure: unknown;
  let drained: Promise<void>;
  let columns: Schema;
  let release: () => void = () => undefined;
  let trapRejection: Promise<never>;
  let written = false;

  const take = (): Uint8Array => {
    if (failure !== undefined) throw new Error(`cannot write Parquet: ${failure instanceof Error ? failure.message : String(failure)}`, { cause: failure });
    const bytes = Buffer.concat(out);
    out = [];
    return bytes;
  };

  return {
    async start(schema: Schema) {
      pw = await loadParquetWasm();
      columns = schema;
      // A Rust panic in the writer is a trap outside any promise: it fails the output instead.
      const trap = trapped();
      release = trap.release;
      trapRejection = trap.rejection;
      trap.rejection.catch((err: unknown) => {
        failure = err;
        ask();
      });
      const batches = new ReadableStream<WasmBatch>(
        {
          start: (controller) => {
            input = controller;
          },
          pull: ask,
        },
        { highWaterMark: 0 },
      );
      const props = new pw.WriterPropertiesBuilder()
        .setCompression(codecOf(pw)[options.compression])
        .setMaxRowGroupSize(options.rowGroupSize)
        .setCreatedBy('llmap (parquet-wasm)')
        .build();
      // Not awaited here: the writer resolves only once it has read the first batch (it takes the schema from it).
      drained = (async () => {
        try {
          const bytes = await pw.transformParquetStream(batches, props);
          for await (const chunk of bytes as unknown as AsyncIterable<Uint8Array>) out.push(chunk);
        } catch (err) {
          failure = err;
          ask();
        }
      })();
      return new Uint8Array(0);
    },
    async write(batch: RecordBatch) {
      await send(batch);
      return take();
    },
    async finish() {
      // The writer needs one batch for the schema: an empty table is written as a zero-row batch.
      if (!written) await send(emptyBatch(columns));
      // Closed once the writer has taken every batch, so none is dropped.
      await waitForAsk();
      if (failure !== undefined) take();
      input.close();
      await Promise.race([drained, trapRejection]).catch(() => undefined);
      release();
      return take();
    },
  };

  async function send(batch: RecordBatch): Promise<void> {
    await waitForAsk();
    if (failure !== undefined) take();
    written = true;
    // Into WebAssembly memory as Arrow IPC: the one copy the boundary needs.
    const table = pw.Table.fromIPCStream(tableToIPC(new Table(batch), 'stream'));
    for (const wasmBatch of table.recordBatches()) input.enqueue(wasmBatch);
    table.free();
  }
}

function codecOf(pw: ParquetWasm): Record<ParquetCompression, number> {
  return { zstd: pw.Compression.ZSTD, snappy: pw.Compression.SNAPPY, gzip: pw.Compression.GZIP, none: pw.Compression.UNCOMPRESSED };
}

/** A record batch of no rows: each column an empty builder's output, so nested types get their children. */
function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((field) => makeBuilder({ type: field.type }).flush());
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
}
