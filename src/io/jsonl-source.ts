import { pipeline } from 'node:stream';
import { InputError } from '../errors.js';
import { cellText, jsonText } from './cell-text.js';
import { columnList } from './column-list.js';
import { fileKeys, KeyUnion, SAMPLE_BYTES, SAMPLE_LINES } from './jsonl-columns.js';
import { JSONL_HEAD } from './jsonl-head.js';
import { isBlank, lineBatches } from './jsonl-lines.js';
import { cellOf, objectHead, parseJsonlObject, type JsonObject } from './jsonl-object.js';
import type { InputStream } from './open-input-stream.js';
import type { Row, TableSource } from './table.js';
import { createTextGuard } from './text-guard.js';

/** Options of the JSONL reader beyond ReadOptions. */
export interface JsonlReadOptions {
  /**
   * Every key of every line must be a column (CSV, TSV and Arrow output have fixed columns): a file
   * is read once ahead for its keys; on stdin a key first seen after the sample is an error. Without
   * it, keys after the sample only pass through to JSONL output, with their line.
   */
  allKeys?: boolean;
}

/**
 * Streams a JSON Lines table, one object per line. Columns are the union of the keys (see
 * jsonl-columns.ts); a line lacking a key has a null cell there. Each row carries its line's own
 * object text (under JSONL_HEAD) so JSONL output writes the line as it came, new keys added.
 */
export async function openJsonlSource(input: InputStream, path: string, options: JsonlReadOptions = {}): Promise<TableSource> {
  const { name } = input;
  const strict = options.allKeys === true;
  // A file's keys are all known ahead; stdin's are learnt from a sample read before the first row.
  const known = strict && path !== '-' ? await fileKeys(path, name).catch(async (err) => {
    input.stream.destroy();
    throw err;
  }) : undefined;
  if (known !== undefined && known.objects === 0) {
    input.stream.destroy();
    throw new InputError(`'${name}' is empty: expected one JSON object per line`);
  }

  const guard = createTextGuard(name);
  pipeline(input.stream, guard, () => undefined);
  const close = async (): Promise<void> => {
    input.stream.destroy();
    guard.destroy();
  };
  const batches = lineBatches(guard);
  const keys = known?.keys ?? new KeyUnion();
  let line = 0;

  // The sample: parsed lines held until the keys are known.
  const held: Array<{ object: JsonObject; text: string; line: number }> = [];
  let rest: string[] | undefined;
  if (known === undefined) {
    let bytes = 0;
    try {
      // next() by hand: leaving a for-await early would end the generator, and the stream with it.
      sampling: for (let next = await batches.next(); next.done !== true; next = await batches.next()) {
        const batch = next.value;
        for (let at = 0; at < batch.length; at++) {
          const text = batch[at];
          line++;
          if (isBlank(text)) continue;
          const object = parseJsonlObject(text, name, line);
          keys.add(object);
          held.push({ object, text, line });
          bytes += text.length;
          if (held.length >= SAMPLE_LINES || bytes >= SAMPLE_BYTES) {
            rest = batch.slice(at + 1);
            break sampling;
          }
        }
      }
    } catch (err) {
      await close();
      throw asInputError(err, name, line);
    }
    if (held.length === 0) {
      await close();
      throw new InputError(`'${name}' is empty: expected one JSON object per line`);
    }
  }
  const { columns, index } = keys;
  const width = columns.length;
  const sampled = held.length;

  const toRow = (object: JsonObject, text: string, at: number): Row => {
    const row = new Array<unknown>(width);
    let j = 0;
    for (const key in object) {
      const i = columns[j] === key ? j : index.get(key);
      if (i !== undefined) row[i] = cellOf(object[key]);
      else if (strict) throw lateKey(name, at, key, sampled, columns);
      j++;
    }
    (row as Row & { [JSONL_HEAD]?: string })[JSONL_HEAD] = objectHead(text, j === 0);
    return row;
  };

  async function* rows(): AsyncGenerator<Row> {
    try {
      for (let k = 0; k < held.length; k++) {
        const { object, text, line: at } = held[k];
        yield toRow(object, text, at);
      }
      held.length = 0;
      if (rest !== undefined) {
        const lines = rest;
        rest = undefined;
        for (const text of lines) {
          line++;
          if (!isBlank(text)) yield toRow(parseJsonlObject(text, name, line), text, line);
        }
      }
      for await (const batch of batches) {
        for (const text of batch) {
          line++;
          if (isBlank(text)) continue;
          yield toRow(parseJsonlObject(text, name, line), text, line);
        }
      }
    } catch (err) {
      throw asInputError(err, name, line);
    } finally {
      await close();
    }
  }

  return { columns, rows: rows(), name, cellText: (value) => cellText(value), cellJson: (value) => jsonText(value), close };
}

function lateKey(name: string, line: number, key: string, sampled: number, columns: string[]): InputError {
  return new InputError(
    `${name}: line ${line}: key ${JSON.stringify(key)} is not among the columns found in the first ${sampled.toLocaleString('en-US')} objects ` +
      `(${columnList(columns)}); CSV, TSV and Arrow output need every column before the first row: ` +
      'read the table from a file instead of stdin, or write JSONL',
  );
}

function asInputError(err: unknown, name: string, line: number): InputError {
  return err instanceof InputError ? err : new InputError(`${name}: line ${line + 1}: ${err instanceof Error ? err.message : String(err)}`);
}
