import { RecordBatchFileWriter, RecordBatchStreamWriter, type RecordBatch, type Schema } from 'apache-arrow';
import { AsyncByteQueue } from 'apache-arrow/io/stream';
import { replacedDictionaryCheck } from './replaced-dictionary.js';

/**
 * Turns record batches into the bytes of one container format: the Arrow IPC file or stream
 * format here; Parquet plugs in the same way. The Arrow sink decides what the batches hold.
 */
export interface BatchEncoder {
  /** Bytes that open the output (magic, schema); called once, when the schema is known. */
  start(schema: Schema): Uint8Array | Promise<Uint8Array>;
  /** Bytes for one record batch (may be empty when the format buffers, e.g. into row groups). */
  write(batch: RecordBatch): Uint8Array | Promise<Uint8Array>;
  /** Bytes that close the output (what is still buffered, the footer). */
  finish(): Uint8Array | Promise<Uint8Array>;
}

/** Collects the writer's bytes synchronously instead of queueing them for an async reader. */
class ChunkCollector extends AsyncByteQueue {
  chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    this.chunks.push(value);
  }
  take(): Buffer {
    const bytes = Buffer.concat(this.chunks);
    this.chunks = [];
    return bytes;
  }
}

/** The Arrow IPC file format (`fileFormat`, with a footer for random access) or stream format. */
export function ipcEncoder(fileFormat: boolean): BatchEncoder {
  const collector = new ChunkCollector();
  const writer = fileFormat ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  const checkDictionaries = fileFormat ? replacedDictionaryCheck() : undefined;
  return {
    start(schema) {
      // With a schema, reset() writes it (and the file magic) right away: an empty table is still valid.
      writer.reset(collector, schema);
      return collector.take();
    },
    write(batch) {
      checkDictionaries?.(batch);
      writer.write(batch);
      return collector.take();
    },
    finish() {
      writer.finish();
      return collector.take();
    },
  };
}
