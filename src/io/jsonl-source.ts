import { pipeline } from 'node:stream';
import { InputError } from '../errors.js';
import type { InputStream } from './open-input-stream.js';
import { cellText, jsonText } from './cell-text.js';
import type { Row, TableSource } from './table.js';
import { createTextGuard } from './text-guard.js';

const NEWLINE = 0x0a;

/** Streams a JSON Lines table: one object per line; columns are the first object's keys, in order. */
export async function openJsonlSource(input: InputStream): Promise<TableSource> {
  const { name } = input;
  const guard = createTextGuard(name);
  pipeline(input.stream, guard, () => undefined);
  const close = async (): Promise<void> => {
    input.stream.destroy();
    guard.destroy();
  };

  let columns: string[] = [];
  let toRow: ((value: Record<string, unknown>, line: number) => Row) | undefined;

  async function* rows(): AsyncGenerator<Row> {
    let line = 0;
    let pieces: Buffer[] = [];
    const parseLine = (text: string): Row | undefined => {
      line++;
      const value = parseObject(text, name, line);
      if (value === undefined) return undefined;
      if (toRow === undefined) {
        columns = Object.keys(value);
        if (columns.length === 0) throw new InputError(`${name}: line ${line}: the first object has no keys`);
        toRow = rowMaker(columns, name);
      }
      return toRow(value, line);
    };
    try {
      for await (const chunk of guard as AsyncIterable<Buffer>) {
        let start = 0;
        for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
          let text: string;
          if (pieces.length > 0) {
            pieces.push(chunk.subarray(start, nl));
            text = Buffer.concat(pieces).toString('utf8');
            pieces = [];
          } else {
            text = chunk.toString('utf8', start, nl);
          }
          start = nl + 1;
          const row = parseLine(text);
          if (row !== undefined) yield row;
        }
        if (start < chunk.length) pieces.push(chunk.subarray(start));
      }
      if (pieces.length > 0) {
        const row = parseLine(Buffer.concat(pieces).toString('utf8'));
        if (row !== undefined) yield row;
      }
    } catch (err) {
      throw err instanceof InputError ? err : new InputError(`${name}: line ${line + 1}: ${errorText(err)}`);
    } finally {
      await close();
    }
  }

  const iterator = rows();
  let first: IteratorResult<Row>;
  try {
    first = await iterator.next();
  } catch (err) {
    await close();
    throw err;
  }
  if (first.done === true) throw new InputError(`'${name}' is empty: expected one JSON object per line`);
  return { columns, rows: replayFirst(first.value, iterator), name, cellText: (value) => cellText(value), cellJson: (value) => jsonText(value), close };
}

/** The JSON object on a line; undefined for a blank line. */
function parseObject(text: string, name: string, line: number): Record<string, unknown> | undefined {
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === '')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${name}: line ${line}: not valid JSON (${jsonErrorText(err)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${name}: line ${line}: expected a JSON object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Maps an object to a row in `columns` order: missing keys become null, unknown keys fail. */
function rowMaker(columns: string[], name: string): (value: Record<string, unknown>, line: number) => Row {
  const width = columns.length;
  const known = new Set(columns);
  // Names like 'constructor' are found on Object.prototype, so only those need an own-property check.
  const inherited = columns.map((column) => column in Object.prototype);
  return (value, line) => {
    const row = new Array<unknown>(width);
    let found = 0;
    for (let i = 0; i < width; i++) {
      const cell = inherited[i] && !Object.hasOwn(value, columns[i]) ? undefined : value[columns[i]];
      if (cell === undefined) {
        row[i] = null;
      } else {
        row[i] = cell;
        found++;
      }
    }
    let keys = 0;
    for (const _ in value) keys++;
    if (keys > found) {
      const extra = Object.keys(value).find((key) => !known.has(key));
      throw new InputError(
        `${name}: line ${line}: key '${extra}' is not in the first row's keys (${columns.join(', ')})`,
      );
    }
    return row;
  };
}

/** An async iterable that yields `first`, then the rest of `iterator`, without another generator layer. */
function replayFirst(first: Row, iterator: AsyncGenerator<Row>): AsyncIterable<Row> {
  let held: Row | undefined = first;
  const replay: AsyncIterator<Row> = {
    next() {
      if (held === undefined) return iterator.next();
      const value = held;
      held = undefined;
      return Promise.resolve({ value, done: false });
    },
    return(value?: unknown) {
      held = undefined;
      return iterator.return(value as Row);
    },
  };
  return { [Symbol.asyncIterator]: () => replay };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/**
 * V8's JSON.parse message, stable and on one line: its quoted excerpt of the input may hold a CR or
 * tab, and its 0-based "position N" (plus "(line 1 column N+1)" in newer Node) becomes a column.
 */
function jsonErrorText(err: unknown): string {
  return errorText(err)
    .replace(/ at position (\d+)(?: \(line \d+ column \d+\))?/, (_m, pos: string) => ` at column ${Number(pos) + 1}`)
    .replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
