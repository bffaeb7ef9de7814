/**
 * Rows in chunks and back. Sources yield chunks (a record batch's rows, the records parsed from one
 * block of text) so the engine can take many rows per hop; consumers that want rows one at a time
 * iterate `eachRow` of the chunks.
 */
import type { Row } from './table.js';

/** The rows of `chunks`, one at a time. */
export async function* eachRow<T = Row>(chunks: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const chunk of chunks) yield* chunk;
}

/** `rows` as chunks of one row each, for a source that has no chunks of its own. */
export async function* inChunks<T = Row>(rows: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const row of rows) yield [row];
}

/** The first `n` rows of `chunks` (for --limit); stops pulling the source after them. */
export async function* takeChunks<T = Row>(chunks: AsyncIterable<readonly T[]>, n: number): AsyncGenerator<readonly T[]> {
  if (n <= 0) return;
  let left = n;
  for await (const chunk of chunks) {
    if (chunk.length >= left) {
      yield chunk.slice(0, left);
      return;
    }
    left -= chunk.length;
    yield chunk;
  }
}

/** A source's `rows` and `chunks`: two views of one stream of chunks, of which one is iterated. */
export function rowsAndChunks(chunks: AsyncIterable<readonly Row[]>): { rows: AsyncIterable<Row>; chunks: AsyncIterable<readonly Row[]> } {
  return { rows: eachRow(chunks), chunks };
}

/** A source's rows in chunks: its own, or one row each when it has none. */
export function chunksOf(source: { rows: AsyncIterable<Row>; chunks?: AsyncIterable<readonly Row[]> }): AsyncIterable<readonly Row[]> {
  return source.chunks ?? inChunks(source.rows);
}
