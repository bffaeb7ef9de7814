import type { Readable } from 'node:stream';
import { RecordBatchReader, type Schema, type Vector } from 'apache-arrow';
import { InputError } from '../errors.js';
import { openInputFile } from './open-input-stream.js';
import type { Row, TableSource } from './table.js';

/**
 * Streams an Arrow IPC file or stream, batch by batch. A path is read through a file handle, so the
 * file format's batches are read at their offsets; stdin is read as it arrives. Cells are the values
 * Arrow gives (bigint for Int64, a Vector for a List, ...).
 */
export async function openArrowSource(path: string, stdin?: NodeJS.ReadableStream): Promise<TableSource> {
  const name = path === '-' ? 'stdin' : path;
  const invalid = (err: unknown): InputError =>
    err instanceof InputError
      ? err
      : new InputError(`${name}: not a valid Arrow IPC file or stream (${err instanceof Error ? err.message : err})`);
  const handle = path === '-' ? undefined : await openInputFile(path);
  const stream = path === '-' ? ((stdin ?? process.stdin) as Readable) : undefined;
  let reader: RecordBatchReader | undefined;
  const close = async (): Promise<void> => {
    await reader?.cancel();
    stream?.destroy();
    await handle?.close().catch(() => undefined);
  };

  let schema: Schema;
  try {
    // Arrow's own FileHandle type differs from node's in details it does not use.
    const opened: RecordBatchReader = await RecordBatchReader.from((handle ?? stream) as NodeJS.ReadableStream);
    reader = opened;
    await opened.open();
    if (!opened.schema) throw new Error('no schema; is it empty?');
    schema = opened.schema;
  } catch (err) {
    await close().catch(() => undefined);
    throw invalid(err);
  }
  const batches = reader as AsyncIterable<{ numRows: number; getChildAt(i: number): Vector | null }>;
  const width = schema.fields.length;

  async function* rows(): AsyncGenerator<Row> {
    try {
      for await (const batch of batches) {
        const vectors = schema.fields.map((_, j) => batch.getChildAt(j)!);
        for (let i = 0; i < batch.numRows; i++) {
          const row = new Array<unknown>(width);
          for (let j = 0; j < width; j++) row[j] = vectors[j].get(i);
          yield row;
        }
      }
    } catch (err) {
      throw invalid(err);
    } finally {
      await close();
    }
  }

  return { columns: schema.fields.map((field) => field.name), arrowSchema: schema, rows: rows(), name, close };
}
