import { parse, stringify } from 'lossless-json';
import { InputError } from '../errors.js';
import { JsonLiteral } from './cell-text.js';

/**
 * One JSONL line read without losing anything: numbers stay the text they were written as (JSON.parse
 * turns 12345678901234567890 into 12345678901234567000, -0 into 0, 1.50 into 1.5), and a key written
 * twice in one object is an error instead of "last wins".
 *
 * JSON.parse is native and several times faster than any parser written in JS, and most lines lose
 * nothing through it, so it reads every line first; a line whose text holds more keys than its
 * object has a repeated key. Only a line holding number text a double would change (RISKY_NUMBER;
 * strings that merely look like one only cost time) is parsed again with lossless-json, a
 * maintained parser that keeps number text.
 */
export type JsonObject = Record<string, unknown>;

/**
 * Number text that JS's number-to-string would not give back as written: 16 or more digits (a
 * double holds 15 for sure), an exponent, a fraction ending in 0, -0, or 6+ zeros after the point
 * (printed as 1e-7). Text inside strings can match too: that only sends the line the slow way.
 */
const RISKY_NUMBER = /[\d.]{16,}|\d[eE]|\.\d*0(?!\d)|-0(?![.\d])|\.000000/;

const keepNumberText = { parseNumber: (text: string) => new JsonLiteral(text) };
const numberText = [{ test: (value: unknown) => value instanceof JsonLiteral, stringify: (value: unknown) => (value as JsonLiteral).text }];

/** The object on a non-blank line, every number text kept; an InputError naming the line otherwise. */
export function parseJsonlObject(text: string, name: string, line: number): JsonObject {
  const object = parseJsonlKeys(text, name, line);
  if (!RISKY_NUMBER.test(text)) return object;
  let exact: JsonObject;
  try {
    exact = parse(text, null, keepNumberText) as JsonObject;
  } catch (err) {
    throw new InputError(`${name}: line ${line}: ${losslessErrorText(err)}`);
  }
  // Nested values become their text here, while it is known they hold JsonLiterals.
  for (const key in exact) {
    const item = exact[key];
    if (item !== null && typeof item === 'object' && !(item instanceof JsonLiteral)) {
      exact[key] = new JsonLiteral(stringify(item, null, undefined, numberText) ?? 'null');
    }
  }
  return exact;
}

/**
 * The object on a non-blank line, parsed natively (numbers as doubles), a key written twice in one
 * object refused. Enough for a pass that needs the keys and the lines checked.
 */
export function parseJsonlKeys(text: string, name: string, line: number): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${name}: line ${line}: not valid JSON (${jsonErrorText(err)})`);
  }
  const object = checkObject(value, name, line);
  // JSON.parse keeps one of a repeated key's values: its object then has fewer keys than the text.
  if (countKeys(object) !== countKeyEnds(text)) {
    const key = repeatedKey(text);
    throw new InputError(`${name}: line ${line}: key ${JSON.stringify(key?.key)} appears twice in one object (column ${(key?.column ?? 0) + 1})`);
  }
  return object;
}

/**
 * A cell of a row: strings, booleans, null and numbers as they are (a number JSON.parse read is one
 * whose text it keeps); number text and nested values as JsonLiterals.
 */
export function cellOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof JsonLiteral) return value;
  // A nested value still plain was read by JSON.parse, so its numbers keep their text.
  return new JsonLiteral(JSON.stringify(value));
}

/** Keys in a parsed value, nested ones included. */
function countKeys(value: unknown): number {
  if (value === null || typeof value !== 'object' || value instanceof JsonLiteral) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === 'object') n += countKeys(item);
    return n;
  }
  for (const key in value as JsonObject) {
    n++;
    const item = (value as JsonObject)[key];
    if (item !== null && typeof item === 'object') n += countKeys(item);
  }
  return n;
}

/**
 * Keys written in valid JSON text: a quote followed by a colon ends a key, unless the quote is
 * escaped (inside a string, where no unescaped quote can be).
 */
function countKeyEnds(text: string): number {
  const pattern = text.includes('\\') ? /(?<!\\)(?:\\\\)*"[ \t\r\n]*:/g : /"[ \t\r\n]*:/g;
  let n = 0;
  while (pattern.exec(text) !== null) n++;
  return n;
}

/** The first key written twice in one object of valid JSON text, and where its second one starts. */
function repeatedKey(text: string): { key: string; column: number } | undefined {
  const open: Array<Set<string> | undefined> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(undefined);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      let after = i + 1;
      while (after < text.length && text.charCodeAt(after) <= 0x20) after++;
      const keys = open[open.length - 1];
      if (text[after] !== ':' || keys === undefined) continue;
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (keys.has(key)) return { key, column: start };
      keys.add(key);
    }
  }
  return undefined;
}

/** The line's object text up to (not including) its closing brace: '{' for an empty object. */
export function objectHead(text: string, empty: boolean): string {
  if (empty) return '{';
  let start = 0;
  while (text.charCodeAt(start) <= 0x20) start++;
  let end = text.length;
  while (text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end - 1);
}

function checkObject(value: unknown, name: string, line: number): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${name}: line ${line}: expected a JSON object, got ${kindOf(value)}`);
  }
  return value as JsonObject;
}

/** Why lossless-json refused a line JSON.parse took (not expected to happen; its own words if it does). */
function losslessErrorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `not valid JSON (${message.replace(/ at position (\d+)/, (_m, pos: string) => ` at column ${Number(pos) + 1}`)})`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonLiteral) return 'a number';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/**
 * V8's JSON.parse message, stable and on one line: its quoted excerpt of the input may hold a CR or
 * tab, and its 0-based "position N" (plus "(line 1 column N+1)" in newer Node) becomes a column.
 */
function jsonErrorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err))
    .replace(/ at position (\d+)(?: \(line \d+ column \d+\))?/, (_m, pos: string) => ` at column ${Number(pos) + 1}`)
    .replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
