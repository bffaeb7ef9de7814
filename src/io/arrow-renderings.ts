/**
 * The one text and the one JSON rendering of each Arrow type, read from the column's own buffers:
 * prompts, CSV/TSV cells and JSONL values all come from here, so they agree, and each is exact
 * (int64 digits, decimal scale, nanoseconds, zones). Nested values are JSON whose elements use the
 * same renderings.
 */
import { isAscii } from 'node:buffer';
import { DataType, Type, UnionMode, type Data, type Dictionary, type Field, type Vector } from 'apache-arrow';
import { uint16ToFloat64 } from 'apache-arrow/util/math';
import { instance as getVisitor } from 'apache-arrow/visitor/get';
import { shortestFloat32 } from './vector-json.js';
import { isoDate, isoDateTime, isoDuration, isoTime, decimalSeconds, zonedTimestamp } from './arrow-time-text.js';

/** Text of the non-null cell at `index` of `data`. */
type Render = (data: Data, index: number) => string;

/** How one type is written: as text (prompts, CSV/TSV) and as JSON (JSONL, nested values). */
export interface Rendering {
  /** Text of a cell; '' for null. */
  text: Render;
  /** JSON text of a cell; 'null' for null. */
  json: Render;
}

// ignoreBOM: a cell's leading U+FEFF is data, which a default TextDecoder would drop.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The renderings of a column of `type`, nulls included. */
export function renderingOf(type: DataType): Rendering {
  if (type.typeId === Type.Null) return { text: () => '', json: () => 'null' };
  const { text, json } = valueRendering(type);
  return {
    text: (data, index) => (data.getValid(index) ? text(data, index) : ''),
    json: (data, index) => (data.getValid(index) ? json(data, index) : 'null'),
  };
}

/** A rendering whose JSON is the text as a JSON string. */
function quoted(text: Render): Rendering {
  return { text, json: (data, index) => JSON.stringify(text(data, index)) };
}

/** A rendering whose JSON is the text itself (numbers, booleans, nested values). */
function bare(text: Render): Rendering {
  return { text, json: text };
}

function valueRendering(type: DataType): Rendering {
  switch (type.typeId) {
    case Type.Bool:
      return bare((data, i) => (bit(data.values as Uint8Array, data.offset + i) ? 'true' : 'false'));
    case Type.Int:
      return bare((data, i) => String((data.values as ArrayLike<number | bigint>)[i]));
    case Type.Float:
      return floatRendering(type as DataType<Type.Float> & { precision: number });
    case Type.Decimal: {
      const { scale, bitWidth } = type as DataType & { scale: number; bitWidth: number };
      return bare((data, i) => decimalText(data.values as Uint32Array, i, bitWidth, scale));
    }
    case Type.Date:
      return quoted((type as DataType & { unit: number }).unit === 0 ? (data, i) => isoDate(BigInt((data.values as Int32Array)[i])) : date64Text);
    case Type.Timestamp: {
      const { unit, timezone } = type as DataType & { unit: number; timezone?: string | null };
      const zoned = timezone ? zonedTimestamp(timezone) : undefined;
      return quoted((data, i) => (zoned ? zoned(int64(data, i), unit) : isoDateTime(int64(data, i), unit)));
    }
    case Type.Time: {
      const { unit } = type as DataType & { unit: number };
      return quoted((data, i) => isoTime(BigInt((data.values as Int32Array | BigInt64Array)[i]), unit));
    }
    case Type.Duration: {
      const { unit } = type as DataType & { unit: number };
      return quoted((data, i) => isoDuration(int64(data, i), unit));
    }
    case Type.Interval:
      return quoted(intervalText((type as DataType & { unit: number }).unit));
    case Type.Utf8:
    case Type.LargeUtf8:
      return quoted(utf8Text());
    case Type.Binary:
    case Type.LargeBinary:
      return quoted((data, i) => base64(variableBytes(data, i)));
    case Type.FixedSizeBinary: {
      const width = (type as DataType & { byteWidth: number }).byteWidth;
      return quoted((data, i) => base64((data.values as Uint8Array).subarray(i * width, (i + 1) * width)));
    }
    case Type.Utf8View:
      return quoted((data, i) => getVisitor.visit(data, i) as string);
    case Type.BinaryView:
      return quoted((data, i) => base64(getVisitor.visit(data, i) as Uint8Array));
    case Type.List:
    case Type.LargeList: {
      const item = renderingOf(type.children[0].type).json;
      return bare((data, i) => {
        const [start, end] = offsets(data, i);
        return jsonArray(data.children[0], start, end, item);
      });
    }
    case Type.FixedSizeList: {
      const size = (type as DataType & { listSize: number }).listSize;
      const item = renderingOf(type.children[0].type).json;
      return bare((data, i) => jsonArray(data.children[0], i * size, (i + 1) * size, item));
    }
    case Type.Struct:
      return bare(structJson(type.children));
    case Type.Map:
      return bare(mapJson(type.children[0].type.children));
    case Type.Union:
      return unionRendering(type as DataType & { mode: UnionMode; typeIdToChildIndex: Record<number, number> });
    case Type.Dictionary:
      return dictionaryRendering(type as Dictionary);
    default:
      // A type this build of apache-arrow reads but llmap does not know: its own value, as JSON.
      return bare((data, i) => JSON.stringify(getVisitor.visit(data, i) ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
}

function bit(bytes: Uint8Array, at: number): boolean {
  return (bytes[at >> 3] & (1 << (at & 7))) !== 0;
}

function int64(data: Data, i: number): bigint {
  return (data.values as BigInt64Array)[i];
}

/** Start and end of a variable-length cell, from 32- or 64-bit offsets. */
function offsets(data: Data, i: number): [number, number] {
  const at = data.valueOffsets as Int32Array | BigInt64Array;
  return [Number(at[i]), Number(at[i + 1])];
}

function variableBytes(data: Data, i: number): Uint8Array {
  const at = data.valueOffsets as Int32Array | BigInt64Array;
  return (data.values as Uint8Array).subarray(Number(at[i]), Number(at[i + 1]));
}

/** Most bytes of a column decoded at once: the text of one batch's column, not of a huge one. */
const MAX_DECODED_AT_ONCE = 16 << 20;

/**
 * A Utf8 cell's text. A TextDecoder call costs more than a short cell's decoding, so a batch's column
 * that is all ASCII (one fast check) is decoded once, when its first cell is read, and its cells are
 * slices of that text. Other text is decoded cell by cell, so that invalid UTF-8 reads just as the
 * decoder makes of each cell. The text is kept as long as the column data is (held by its rows).
 */
function utf8Text(): Render {
  const decoded = new WeakMap<Data, string | null>();
  // Cells are mostly read in row order: the last column seen is checked before the map.
  let last: Data | undefined;
  let lastText: string | null = null;
  const wholeText = (data: Data): string | null => {
    const at = data.valueOffsets as Int32Array | BigInt64Array;
    const start = Number(at[0]);
    const end = Number(at[data.length]);
    if (end - start > MAX_DECODED_AT_ONCE) return null;
    const bytes = (data.values as Uint8Array).subarray(start, end);
    return isAscii(bytes) ? utf8.decode(bytes) : null;
  };
  return (data, i) => {
    if (data !== last) {
      let text = decoded.get(data);
      if (text === undefined) decoded.set(data, (text = wholeText(data)));
      last = data;
      lastText = text;
    }
    if (lastText === null) return utf8.decode(variableBytes(data, i));
    const at = data.valueOffsets as Int32Array | BigInt64Array;
    const start = Number(at[0]);
    return lastText.slice(Number(at[i]) - start, Number(at[i + 1]) - start);
  };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Floats: the shortest text that reads back as the same value (float32 as float32), -0 as '-0'.
 * JSON has no NaN or infinities: JSONL gets them as the strings "NaN", "Infinity", "-Infinity",
 * the same text CSV cells and prompts get, so they stay apart from null.
 */
function floatRendering(type: { precision: number }): Rendering {
  const numberText = (x: number): string => (x === 0 && 1 / x < 0 ? '-0' : String(x));
  const text: Render =
    type.precision === 0
      ? (data, i) => numberText(uint16ToFloat64((data.values as Uint16Array)[i]))
      : type.precision === 1
        ? (data, i) => {
            const x = (data.values as Float32Array)[i];
            return Number.isFinite(x) && x !== 0 ? shortestFloat32(x) : numberText(x);
          }
        : (data, i) => numberText((data.values as Float64Array)[i]);
  return {
    text,
    json: (data, i) => {
      const out = text(data, i);
      return out === 'NaN' || out === 'Infinity' || out === '-Infinity' ? `"${out}"` : out;
    },
  };
}

/** A decimal's unscaled two's-complement integer (little-endian 32-bit words) with its scale applied. */
function decimalText(words: Uint32Array, i: number, bitWidth: number, scale: number): string {
  const stride = bitWidth / 32;
  let unscaled = 0n;
  for (let w = stride - 1; w >= 0; w--) unscaled = (unscaled << 32n) | BigInt(words[i * stride + w]);
  if (unscaled >= 1n << BigInt(bitWidth - 1)) unscaled -= 1n << BigInt(bitWidth);
  if (scale <= 0) return unscaled === 0n ? '0' : String(unscaled * 10n ** BigInt(-scale));
  return decimalSeconds(unscaled, scale);
}

/** Date64: milliseconds meant to be whole days; a value that is not one keeps its time of day. */
function date64Text(data: Data, i: number): string {
  const ms = int64(data, i);
  return ms % 86_400_000n === 0n ? isoDate(ms / 86_400_000n) : isoDateTime(ms, 1);
}

/** ISO 8601 durations of Arrow intervals: P14M (months), P3DT0.250S (days, ms), P1M2DT0.000000003S. */
function intervalText(unit: number): Render {
  switch (unit) {
    case 0: // YEAR_MONTH
      return (data, i) => `P${(data.values as Int32Array)[i]}M`;
    case 1: // DAY_TIME
      return (data, i) => {
        const v = data.values as Int32Array;
        return `P${v[2 * i]}DT${decimalSeconds(BigInt(v[2 * i + 1]), 3)}S`;
      };
    default: {
      // MONTH_DAY_NANO: int32 months, int32 days, int64 nanoseconds.
      return (data, i) => {
        const v = data.values as Int32Array;
        const nanos = new BigInt64Array(v.buffer, v.byteOffset + (4 * i + 2) * 4, 1)[0];
        return `P${v[4 * i]}M${v[4 * i + 1]}DT${decimalSeconds(nanos, 9)}S`;
      };
    }
  }
}

function jsonArray(child: Data, start: number, end: number, item: Render): string {
  let out = '[';
  for (let k = start; k < end; k++) out += (k > start ? ',' : '') + item(child, k);
  return out + ']';
}

function structJson(fields: Field[]): Render {
  const keys = fields.map((field, k) => `${k === 0 ? '' : ','}${JSON.stringify(field.name)}:`);
  const values = fields.map((field) => renderingOf(field.type).json);
  return (data, i) => {
    let out = '{';
    for (let k = 0; k < keys.length; k++) out += keys[k] + values[k](data.children[k], i);
    return out + '}';
  };
}

/** A map as a JSON object, each key its text rendering, in the map's own order. */
function mapJson(entry: Field[]): Render {
  const key = renderingOf(entry[0].type).text;
  const value = renderingOf(entry[1].type).json;
  return (data, i) => {
    const [start, end] = offsets(data, i);
    const entries = data.children[0];
    let out = '{';
    for (let k = start; k < end; k++) {
      out += `${k > start ? ',' : ''}${JSON.stringify(key(entries.children[0], k))}:${value(entries.children[1], k)}`;
    }
    return out + '}';
  };
}

/** A union cell is its member's cell, rendered the member's way. */
function unionRendering(type: DataType & { mode: UnionMode; typeIdToChildIndex: Record<number, number> }): Rendering {
  const members = type.children.map((field) => renderingOf(field.type));
  const locate = (data: Data, i: number): [number, number] => {
    const child = type.typeIdToChildIndex[(data.typeIds as Int8Array)[i]];
    return [child, type.mode === UnionMode.Dense ? (data.valueOffsets as Int32Array)[i] : i];
  };
  return {
    text: (data, i) => {
      const [child, at] = locate(data, i);
      return members[child].text(data.children[child], at);
    },
    json: (data, i) => {
      const [child, at] = locate(data, i);
      return members[child].json(data.children[child], at);
    },
  };
}

/** A dictionary cell is its value, found in whichever chunk (first dictionary or delta) holds it. */
function dictionaryRendering(type: Dictionary): Rendering {
  const value = renderingOf(type.dictionary);
  const starts = new WeakMap<Vector, number[]>();
  const locate = (data: Data, i: number): [Data, number] => {
    const dictionary = data.dictionary!;
    const key = Number((data.values as ArrayLike<number | bigint>)[i]);
    const chunks = dictionary.data;
    if (chunks.length === 1) return [chunks[0], key];
    let at = starts.get(dictionary);
    if (!at) {
      at = [];
      let sum = 0;
      for (const chunk of chunks) {
        at.push(sum);
        sum += chunk.length;
      }
      starts.set(dictionary, at);
    }
    let c = at.length - 1;
    while (c > 0 && at[c] > key) c--;
    return [chunks[c], key - at[c]];
  };
  const text = memo(value.text);
  const json = memo(value.json);
  return {
    text: (data, i) => text(...locate(data, i)),
    json: (data, i) => json(...locate(data, i)),
  };
}

/**
 * A rendering that keeps each cell's text: a dictionary's values are rendered once each, however many
 * rows point at them (memory: one string per dictionary value used).
 */
function memo(render: Render): Render {
  const kept = new WeakMap<Data, Array<string | undefined>>();
  return (data, i) => {
    let texts = kept.get(data);
    if (!texts) kept.set(data, (texts = new Array<string | undefined>(data.length)));
    return (texts[i] ??= render(data, i));
  };
}
