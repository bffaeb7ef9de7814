/** JSON text of a value; bigint becomes a number when exact, else its decimal string. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? jsonBigint(v) : v)) ?? 'null';
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
      if (value instanceof Date) return value.toISOString();
      return jsonText(value);
    default:
      return String(value);
  }
}
