import { createReadStream } from 'node:fs';
import { InputError } from '../errors.js';
import { isBlank, lineBatches } from './jsonl-lines.js';
import { parseJsonlKeys, type JsonObject } from './jsonl-object.js';
import { createTextGuard } from './text-guard.js';

/**
 * The columns of a JSONL table: every key of every line, in the order first seen, the way DuckDB's
 * read_json_auto finds them (it unions the keys of a sample of records). A file is read once ahead
 * for all of them; stdin is sampled (its first SAMPLE_LINES lines, at most SAMPLE_BYTES).
 */
export class KeyUnion {
  /** The keys, in the order first seen. */
  readonly columns: string[] = [];
  /** Index of each key in `columns`. */
  readonly index = new Map<string, number>();

  /** Adds the keys of one object. */
  add(object: JsonObject): void {
    let j = 0;
    for (const key in object) {
      // Most lines repeat the first line's keys in its order: one comparison each.
      if (this.columns[j] !== key && !this.index.has(key)) {
        this.index.set(key, this.columns.length);
        this.columns.push(key);
      }
      j++;
    }
  }
}

/** DuckDB's default sample_size for read_json_auto. */
export const SAMPLE_LINES = 20_480;
/** A sample is also cut at this many bytes of text, so memory stays bounded with huge lines. */
export const SAMPLE_BYTES = 64 * 1024 * 1024;

/**
 * The keys of every line of a JSONL file, read before the run starts (as count-rows reads it
 * again for the progress total). A line that is not a JSON object fails here, before anything is sent.
 */
export async function fileKeys(path: string, name: string): Promise<{ keys: KeyUnion; objects: number }> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  const guard = createTextGuard(name);
  stream.pipe(guard);
  stream.on('error', (err) => guard.destroy(err));
  const keys = new KeyUnion();
  let line = 0;
  let objects = 0;
  try {
    for await (const batch of lineBatches(guard)) {
      for (const text of batch) {
        line++;
        if (isBlank(text)) continue;
        keys.add(parseJsonlKeys(text, name, line));
        objects++;
      }
    }
  } catch (err) {
    throw err instanceof InputError ? err : new InputError(`${name}: line ${line + 1}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    stream.destroy();
    guard.destroy();
  }
  return { keys, objects };
}
