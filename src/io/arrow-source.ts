import type { FileHandle } from 'node:fs/promises';
import { pipeline, Transform, type Readable } from 'node:stream';
import { RecordBatchReader, type RecordBatch, type Schema } from 'apache-arrow';
import { InputError } from '../errors.js';
import { arrowErrorMessage } from './arrow-error-message.js';
import { openInputFile } from './open-input-stream.js';
import { recordBatchSource } from './record-batch-source.js';
import type { TableSource } from './table.js';

/** Bytes kept from the start of the input, enough to tell Arrow's magic from another format. */
const HEAD_BYTES = 8;

/**
 * Streams an Arrow IPC file or stream, batch by batch. A path is read through a file handle, so the
 * file format's batches are read at their offsets; stdin is read as it arrives.
 */
export async function openArrowSource(path: string, stdin?: NodeJS.ReadableStream): Promise<TableSource> {
  const name = path === '-' ? 'stdin' : path;
  const handle = path === '-' ? undefined : await openInputFile(path);
  const tap = path === '-' ? headTap() : undefined;
  if (tap) pipeline((stdin ?? process.stdin) as Readable, tap.stream, () => undefined);
  // The first bytes explain a failure: an empty input, or not Arrow at all. A file's are read up
  // front (a positioned read, so Arrow's own reads are unaffected); stdin's as they pass by.
  const fileHead = handle ? await readHead(handle) : undefined;
  const head = async (): Promise<Buffer | undefined> => fileHead ?? tap?.head();
  const invalid = async (err: unknown): Promise<InputError> =>
    err instanceof InputError ? err : arrowErrorMessage(name, await head(), err);
  let reader: RecordBatchReader | undefined;
  const close = async (): Promise<void> => {
    await reader?.cancel();
    tap?.stream.destroy();
    await handle?.close().catch(() => undefined);
  };

  let schema: Schema;
  try {
    // Arrow's own FileHandle type differs from node's in details it does not use.
    const opened: RecordBatchReader = await RecordBatchReader.from((handle ?? tap!.stream) as NodeJS.ReadableStream);
    reader = opened;
    await opened.open();
    if (!opened.schema) throw new Error('no schema');
    schema = opened.schema;
  } catch (err) {
    const error = await invalid(err);
    await close().catch(() => undefined);
    throw error;
  }
  return recordBatchSource({ schema, batches: reader as AsyncIterable<RecordBatch>, name, close, invalid });
}

/** The first HEAD_BYTES bytes of a file (fewer when it is shorter); undefined when unreadable. */
async function readHead(handle: FileHandle): Promise<Buffer | undefined> {
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  }
}

/** A pass-through stream that keeps the first HEAD_BYTES bytes; head() resolves once it has them or the input ended. */
function headTap(): { stream: Transform; head: () => Promise<Buffer> } {
  let kept = Buffer.alloc(0);
  let settle: (() => void) | undefined;
  let done = false;
  const finish = (): void => {
    done = true;
    settle?.();
  };
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (kept.length < HEAD_BYTES) {
        kept = Buffer.concat([kept, chunk.subarray(0, HEAD_BYTES - kept.length)]);
        if (kept.length === HEAD_BYTES) finish();
      }
      callback(null, chunk);
    },
    flush(callback) {
      finish();
      callback();
    },
  });
  stream.on('close', finish);
  return {
    stream,
    head: () => (done ? Promise.resolve(kept) : new Promise<void>((resolve) => (settle = resolve)).then(() => kept)),
  };
}
