import { vectorJson } from './vector-json.js';

/**
 * A JSON value kept as the text it was written as: a JSONL number (`12345678901234567890`, `-0`,
 * `1e400`, `1.50`), or a nested object or array. Prompts and text outputs show that text, so no
 * digit is lost to a double on the way.
 */
export class JsonLiteral {
  constructor(
    /** The JSON text. */
    readonly text: string,
  ) {}

  /** JSON.stringify of a structure holding one can only give a value; the text is the closest. */
  toJSON(): string {
    return this.text;
  }
}

/** JSON text of a value; bigint becomes a number when exact, else its decimal string. */
export function jsonText(value: unknown): string {
  if (value instanceof JsonLiteral) return value.text;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? jsonBigint(v) : v)) ?? 'null';
}

/** JSON text of any cell value, a float32 vector (an embedding) as a JSON array of numbers rather than the {"0": ...} object JSON makes of it. */
export function valueJson(value: unknown): string {
  // The usual added cell (a response), without the replacer's call.
  if (typeof value === 'string') return JSON.stringify(value);
  return value instanceof Float32Array ? vectorJson(value) : jsonText(value);
}

/** A bigint as JSON can hold it: a number when exact, else its decimal string. */
export function jsonBigint(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

/** A cell as text: strings as is, null/undefined empty, Dates ISO, objects and arrays as JSON. */
export function cellText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'undefined':
      return '';
    case 'object':
      if (value === null) return '';
      if (value instanceof JsonLiteral) return value.text;
      if (value instanceof Date) return value.toISOString();
      return jsonText(value);
    default:
      return String(value);
  }
}
