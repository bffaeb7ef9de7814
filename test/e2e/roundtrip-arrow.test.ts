/**
 * Round trips through the built CLI (`-p echo`) for the pairs with Arrow on one side: random tables
 * with hostile cells go in, and every input cell is read back identical by an independent strict
 * reader (Python's csv and json modules for text, apache-arrow for Arrow, compared buffer for buffer).
 * The text-format pairs live beside this file in the text round-trip tests.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Binary, Bool, Data, DateDay, Decimal, Dictionary, Field, Float64, Int32, Int64, LargeUtf8, List, makeData, RecordBatch,
  Schema, Struct, tableFromIPC, tableToIPC, Table, TimestampMicrosecond, TimestampNanosecond, Utf8, vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { physicalColumn, utf8Column } from '../io/arrow-physical.js';
import { bitmap, built, decimal, flat } from '../io/arrow-type-zoo.js';
import { runCli } from './cli.js';
import { dir, useServerAndTempDir } from './fixture.js';
import { hostileText, strictRead } from './hostile-text.js';

useServerAndTempDir();

/** Runs per pair: each spawns the CLI, so few runs of many hostile cells each (ROUNDTRIP_RUNS=50 to search harder). */
const RUNS = Number(process.env.ROUNDTRIP_RUNS ?? 4);
const I64 = 2n ** 63n;
const MAX_DATE_DAYS = 100_000_000;

const orNull = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null, freq: 4 });

/** One row of the random Arrow table: a value (or null) per column kind. */
const arrowRow = fc.record({
  s: fc.oneof(hostileText(true).filter((s) => s.trim() !== ''), fc.constant(null)),
  ls: orNull(hostileText(true)),
  i: orNull(fc.bigInt(-I64, I64 - 1n)),
  f: orNull(fc.double()),
  dec: orNull(fc.bigInt(-(10n ** 38n) + 1n, 10n ** 38n - 1n)),
  ts: orNull(fc.bigInt(-I64, I64 - 1n)),
  tsz: orNull(fc.bigInt(-8_640_000_000_000_000_000n, 8_640_000_000_000_000_000n)),
  d: orNull(fc.integer({ min: -MAX_DATE_DAYS, max: MAX_DATE_DAYS })),
  bin: orNull(fc.uint8Array({ maxLength: 8 })),
  b: orNull(fc.boolean()),
  l: orNull(fc.array(orNull(hostileText(true)), { maxLength: 3 })),
  dict: orNull(fc.constantFrom('en', 'fr', '=1+1', 'a,"b"\r\n')),
});
type ArrowRow = typeof arrowRow extends fc.Arbitrary<infer R> ? R : never;
const KINDS = ['s', 'ls', 'i', 'f', 'dec', 'ts', 'tsz', 'd', 'bin', 'b', 'l', 'dict'] as const;

const DEC = new Decimal(5, 38, 128);

function arrowTable(rows: ArrowRow[]): Table {
  const col = <K extends keyof ArrowRow>(k: K) => rows.map((r) => r[k]);
  const dictType = new Dictionary(new Utf8(), new Int32());
  const words = [...new Set(col('dict').filter((w): w is string => w !== null))];
  const children: Record<string, Data> = {
    s: built(new Utf8(), col('s')),
    ls: built(new LargeUtf8(), col('ls')),
    i: flat(new Int64(), col('i')),
    f: flat(new Float64(), col('f')),
    dec: decimal(DEC, col('dec')),
    ts: flat(new TimestampNanosecond(), col('ts')),
    tsz: flat(new TimestampMicrosecond('UTC'), col('tsz')),
    d: flat(new DateDay(), col('d')),
    bin: built(new Binary(), col('bin')),
    b: built(new Bool(), col('b')),
    l: built(new List(new Field('item', new Utf8(), true)), col('l')),
    dict: makeData({
      type: dictType, length: rows.length, ...bitmap(col('dict')),
      data: Int32Array.from(col('dict'), (w) => (w === null ? 0 : words.indexOf(w))), dictionary: vectorFromArray(words, new Utf8()),
    }),
  };
  const schema = new Schema(KINDS.map((k) => new Field(k, children[k].type, true)));
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children: KINDS.map((k) => children[k]) });
  return new Table([new RecordBatch(schema, data)]);
}

/** Days since the epoch of an ISO date (±YYYYYY allowed), by Date.UTC rather than llmap's own arithmetic. */
function epochDays(iso: string): number {
  const m = /^([+-]\d{6}|\d{4})-(\d\d)-(\d\d)$/.exec(iso);
  if (!m) throw new Error(`not an ISO date: ${iso}`);
  const date = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3])));
  date.setUTCFullYear(Number(m[1]));
  return date.getTime() / 86_400_000;
}

/** Units since the epoch of an ISO timestamp with `digits` fraction digits. */
function epochUnits(iso: string, digits: number, zone: string): bigint {
  const m = new RegExp(`^(.+)T(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{${digits}})${zone}$`).exec(iso);
  if (!m) throw new Error(`not an ISO timestamp: ${iso}`);
  const seconds = BigInt(epochDays(m[1])) * 86_400n + BigInt(Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]));
  return seconds * 10n ** BigInt(digits) + BigInt(m[5]);
}

/** Asserts a read-back text cell is the input value, column kind by kind; `nullText` is how a null reads. */
function expectCell(kind: (typeof KINDS)[number], value: unknown, text: string | null, at: string): void {
  if (value === null) return void expect(text === null || text === '', `${at}: ${text}`).toBe(true);
  const t = text as string;
  switch (kind) {
    case 's':
    case 'ls':
    case 'dict':
      return void expect(t, at).toBe(value);
    case 'i':
      return void expect(t, at).toBe(String(value));
    case 'f':
      return void expect(Object.is(Number(t), value) || (Number.isNaN(value) && t === 'NaN'), `${at}: ${t} for ${value}`).toBe(true);
    case 'dec':
      expect(t, at).toMatch(/^-?\d+\.\d{5}$/);
      return void expect(BigInt(t.replace('.', '')), at).toBe(value);
    case 'ts':
      return void expect(epochUnits(t, 9, ''), at).toBe(value);
    case 'tsz':
      return void expect(epochUnits(t, 6, 'Z'), at).toBe(value);
    case 'd':
      return void expect(epochDays(t), at).toBe(value);
    case 'bin':
      expect(Buffer.from(value as Uint8Array).toString('base64'), at).toBe(t);
      return void expect(new Uint8Array(Buffer.from(t, 'base64')), at).toEqual(value);
    case 'b':
      return void expect(t, at).toBe(String(value));
    case 'l':
      return void expect(JSON.parse(t), at).toEqual(value);
  }
}

/** A JSON value read by strictRead as the text a CSV cell would hold, for expectCell. */
function jsonAsText(kind: (typeof KINDS)[number], value: unknown): string | null {
  if (value === null) return null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const textOf = (value as { number?: string }).number;
    if (textOf !== undefined) {
      expect(['i', 'f', 'dec'], `a JSON number in column ${kind}`).toContain(kind);
      return textOf;
    }
  }
  if (kind === 'b') return String(value);
  if (kind === 'l') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'number' in v ? Number((v as { number: string }).number) : v));
  expect(typeof value, `${kind} is a JSON string`).toBe('string');
  // Floats JSON has no number for arrive as strings; every other number must be a JSON number.
  if (kind === 'f') expect(['NaN', 'Infinity', '-Infinity']).toContain(value);
  return value as string;
}

async function llmap(input: string, output: string, column: string): Promise<void> {
  const res = await runCli(['run', input, '-c', column, '-p', 'echo', '--no-cache', '-q', '-o', output]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
}

const property = { numRuns: RUNS, endOnFailure: true };
/** Each run spawns the CLI; a loaded machine may take seconds per run. */
const TIMEOUT_MS = 90_000;

describe('round trips with Arrow, every input cell read back identical', () => {
  for (const format of ['csv', 'tsv'] as const) {
    it(`arrow → ${format}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(arrowRow, { maxLength: 8 }), async (rows) => {
          const input = path.join(dir, 'in.arrow');
          writeFileSync(input, tableToIPC(arrowTable(rows), 'file'));
          const out = path.join(dir, `out.${format}`);
          await llmap(input, out, 's');
          const [header, ...cells] = strictRead(format, out) as string[][];
          expect(header).toEqual([...KINDS, 'response']);
          expect(cells).toHaveLength(rows.length);
          rows.forEach((row, r) => {
            KINDS.forEach((kind, j) => expectCell(kind, row[kind], cells[r][j], `row ${r} ${kind}`));
            expect(cells[r][KINDS.length]).toBe(row.s ?? '');
          });
        }),
        property,
      );
    }, TIMEOUT_MS);
  }

  it('arrow → jsonl', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arrowRow, { maxLength: 8 }), async (rows) => {
        const input = path.join(dir, 'in.arrows');
        writeFileSync(input, tableToIPC(arrowTable(rows), 'stream'));
        const out = path.join(dir, 'out.jsonl');
        await llmap(input, out, 's');
        const lines = strictRead('jsonl', out) as [string, unknown][][];
        expect(lines).toHaveLength(rows.length);
        rows.forEach((row, r) => {
          expect(lines[r].map(([key]) => key)).toEqual([...KINDS, 'response']);
          const line = Object.fromEntries(lines[r]);
          KINDS.forEach((kind) => expectCell(kind, row[kind], jsonAsText(kind, line[kind]), `row ${r} ${kind}`));
        });
      }),
      property,
    );
  }, TIMEOUT_MS);

  it('arrow → arrow', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arrowRow, { maxLength: 8 }), async (rows) => {
        const table = arrowTable(rows);
        const input = path.join(dir, 'in.arrow');
        writeFileSync(input, tableToIPC(table, 'file'));
        const out = path.join(dir, 'out.arrows');
        await llmap(input, out, 's');
        const back = tableFromIPC(readFileSync(out));
        expect(back.schema.fields.map((f) => String(f.type)).slice(0, KINDS.length)).toEqual(table.schema.fields.map((f) => String(f.type)));
        for (const kind of KINDS) expect(physicalColumn(back, kind), kind).toEqual(physicalColumn(table, kind));
      }),
      property,
    );
  }, TIMEOUT_MS);

  // Text input: cells are strings (no NUL: text input refuses it); CSV and TSV have no null.
  // JSONL's columns come from its first line, so a JSONL table has one.
  const textRows = (jsonl: boolean) =>
    fc.array(fc.tuple(hostileText(false).filter((s) => s.trim() !== ''), jsonl ? orNull(hostileText(false)) : hostileText(false), hostileText(false)), {
      minLength: jsonl ? 1 : 0,
      maxLength: 8,
    });
  const names = ['a', 'b "q", c', 'é\tx'];
  const quoted = (cell: string) => `"${cell.replaceAll('"', '""')}"`;

  for (const [format, delimiter] of [['csv', ','], ['tsv', '\t'], ['jsonl', '']] as const) {
    it(`${format} → arrow`, async () => {
      await fc.assert(
        fc.asyncProperty(textRows(format === 'jsonl'), async (rows) => {
          const input = path.join(dir, `in.${format}`);
          // Written independently of llmap: every cell quoted (RFC 4180), or JSON.stringify.
          writeFileSync(
            input,
            format === 'jsonl'
              ? rows.map((row) => JSON.stringify(Object.fromEntries(names.map((n, j) => [n, row[j]])))).join('\n') + '\n'
              : [names, ...rows].map((row) => row.map((cell) => quoted(cell as string)).join(delimiter)).join('\r\n') + '\r\n',
          );
          const out = path.join(dir, 'out.arrow');
          await llmap(input, out, 'a');
          const back = tableFromIPC(readFileSync(out));
          expect(back.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([...names.map((n) => `${n}: Utf8`), 'response: Utf8']);
          const columns = [...names, 'response'].map((n) => utf8Column(back, n));
          expect(rows.map((_row, r) => names.map((_n, j) => columns[j][r]))).toEqual(rows);
          expect(columns[names.length]).toEqual(rows.map((row) => row[0]));
        }),
        property,
      );
    }, TIMEOUT_MS);
  }
});
