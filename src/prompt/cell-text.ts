/**
 * How a cell of any format becomes prompt text. CSV cells are already strings; Arrow and JSONL cells
 * may be numbers, bigints, dates, lists or nulls, rendered the way a person would write them.
 */
export function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  // Arrow vectors and struct rows expose toJSON/toArray; plain JSON values stringify directly.
  const plain = typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ? (value as { toJSON(): unknown }).toJSON()
    : value;
  return JSON.stringify(plain, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}
