/**
 * Prompt text for the cells of Arrow date and timestamp columns. apache-arrow hands their values
 * over as epoch milliseconds, which a prompt would show as 1709596800000; a person writes dates.
 */
import type { CellText } from './table.js';
import { cellText } from './cell-text.js';

// Arrow's own Type and DateUnit enum values (Schema.fbs), so this module needs no apache-arrow import.
const TYPE_DATE = 8;
const TYPE_TIMESTAMP = 10;
const DATE_UNIT_DAY = 0;

interface FieldLike {
  type: { typeId: number; unit?: number };
}

/** A CellText for a table with `schema` (an apache-arrow Schema); undefined when no column needs one. */
export function arrowCellText(schema: unknown): CellText | undefined {
  const fields = (schema as { fields?: FieldLike[] } | undefined)?.fields;
  if (!fields) return undefined;
  const formats = fields.map((field) => {
    const { typeId, unit } = field.type;
    if (typeId === TYPE_DATE && unit === DATE_UNIT_DAY) return dateOnly;
    if (typeId === TYPE_DATE || typeId === TYPE_TIMESTAMP) return isoInstant;
    return undefined;
  });
  if (formats.every((f) => f === undefined)) return undefined;
  return (value, column) => {
    const format = formats[column];
    return format && typeof value === 'number' && Number.isFinite(value) ? format(value) : cellText(value);
  };
}

/** 2024-03-05 */
function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 2024-03-05T12:34:56.000Z (the instant, in UTC). */
function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}
