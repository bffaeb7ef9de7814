/**
 * Round trip, property-based: random tables with hostile cells (CR, LF, quotes, delimiters, NUL
 * where the format allows it, emoji, leading = and +, huge and tiny numbers, nulls, missing keys)
 * go through the built CLI with `-p echo` for every pair of csv, tsv and jsonl, and Python's strict
 * csv and json readers (independent of llmap's csv-parse) read every input cell back identical.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli.js';
import { hostileText, strictRead } from './hostile-text.js';

type TextFormat = 'csv' | 'tsv' | 'jsonl';
/** A cell as the generator models it; `text` is what prompts and CSV/TSV output show. */
type Cell = { json: string; text: string } | undefined;
/** A value written in a line or cell. */
type Written = NonNullable<Cell>;
interface GeneratedTable {
  columns: string[];
  /** Each row's cells by column; undefined = the key is missing (JSONL) or the cell is empty (CSV). */
  rows: Cell[][];
  /** JSONL only: each row's key order. */
  order: number[][];
}

/** Runs per pair: each spawns the CLI (ROUNDTRIP_RUNS=50 to search harder). */
const RUNS = Number(process.env.ROUNDTRIP_RUNS ?? 3);
const FORMATS: TextFormat[] = ['csv', 'tsv', 'jsonl'];

const NUMBERS = ['0', '-0', '42', '12345678901234567890', '9007199254740993', '1e400', '-1E-400', '1.50', '0.1', '5e-324', '1.7976931348623157e308', '-12.0', '0.0000001', '3.14159265358979323846'];
const NESTED = ['[1.0,{"a":-0}]', '{"k":"v\\n","n":[]}', '[]', '{}', '[null,true,"x"]'];

/** A JSONL value: its JSON text as written, and its text in prompts and CSV. */
const jsonlCell: fc.Arbitrary<Written> = fc.oneof(
  hostileText(true).map((s) => ({ json: JSON.stringify(s), text: s })),
  fc.constantFrom(...NUMBERS).map((n) => ({ json: n, text: n })),
  fc.integer().map((n) => ({ json: String(n), text: String(n) })),
  fc.constantFrom(...NESTED).map((n) => ({ json: n, text: n })),
  fc.constantFrom({ json: 'true', text: 'true' }, { json: 'false', text: 'false' }, { json: 'null', text: '' }),
);
/** A CSV cell: a string (NUL bytes are refused in CSV input). */
const csvCell: fc.Arbitrary<Written> = hostileText(false).map((s) => ({ json: JSON.stringify(s), text: s }));

/** Column names: not blank, unique, no NUL (they go on the command line), never 'response'; not integer-like (JS orders such keys first). */
const names = (max: number) =>
  fc.uniqueArray(
    hostileText(false).map((s) => `c${s}`),
    { minLength: 1, maxLength: max },
  );

function table(format: TextFormat): fc.Arbitrary<GeneratedTable> {
  return names(5).chain((columns) => {
    const width = columns.length;
    // A one-column CSV header with a tab is refused as a likely TSV file: keep tabs out of it.
    if (format === 'csv' && width === 1) columns = [columns[0].replace(/\t/g, ' ')];
    const cell = format === 'jsonl' ? jsonlCell : csvCell;
    const row = fc.tuple(fc.array(cell, { minLength: width, maxLength: width }), fc.shuffledSubarray([...Array(width).keys()], { minLength: 0, maxLength: width }));
    return fc.array(row, { minLength: 1, maxLength: 12 }).map((rows) => {
      const order = rows.map(([, keys], r) => (r === 0 ? [...Array(width).keys()] : keys));
      // A key a line does not write is a missing cell.
      const cells = rows.map(([values], r) => values.map((value, i): Cell => (format !== 'jsonl' || order[r].includes(i) ? value : undefined)));
      return { columns, rows: cells, order };
    });
  });
}

/** The cells that broke readers before, checked on every run besides the random tables. */
function known(format: TextFormat): GeneratedTable {
  const s = (text: string): Written => ({ json: JSON.stringify(text), text });
  const rows: Cell[][] = [
    [s('abc\r'), s('a\rb'), s('=1+2'), s('+1'), s('"q", \t"')],
    [s(' x '), s('😀\n'), s(''), s('\r\n'), s('{{text}}')],
  ];
  if (format === 'jsonl') {
    rows.push([s('nul\u0000'), { json: '12345678901234567890', text: '12345678901234567890' }, { json: '-0', text: '-0' }, { json: '1e400', text: '1e400' }, { json: 'null', text: '' }]);
    rows.push([s('only'), undefined, undefined, { json: '5e-324', text: '5e-324' }, undefined]);
  }
  const order = rows.map((row) => row.flatMap((c, i) => (c === undefined ? [] : [i])));
  return { columns: ['c\r', 'c,"1"', 'c\t', 'c ', 'c😀'], rows, order };
}

/** Writes the table in `format`: CSV/TSV with every cell quoted (RFC 4180), JSONL as the model's JSON text. */
function inputText(t: GeneratedTable, format: TextFormat): string {
  if (format === 'jsonl') {
    return t.rows.map((row, r) => `{${t.order[r].map((i) => `${JSON.stringify(t.columns[i])}:${row[i]!.json}`).join(r % 2 ? ', ' : ',')}}\n`).join('');
  }
  const d = format === 'csv' ? ',' : '\t';
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return [t.columns, ...t.rows.map((row) => row.map((c) => c?.text ?? ''))].map((cells) => cells.map(quote).join(d) + '\n').join('');
}

/** A JSON value as the Python reader shows it: numbers as {number: text}, objects as [key, value] pairs. */
function asRead(jsonText: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', `
import json, sys
number = lambda t: {'number': t}
print(json.dumps(json.loads(sys.stdin.read(), parse_int=number, parse_float=number, parse_constant=number, object_pairs_hook=lambda p: [list(x) for x in p])))
`], { input: jsonText, encoding: 'utf8' }));
}

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('every input cell comes back exactly (property, Python strict readers)', () => {
  for (const from of FORMATS) {
    for (const to of FORMATS) {
      it(`${from} → ${to}`, async () => {
        let round = 0;
        await fc.assert(
          fc.asyncProperty(table(from), async (t) => {
            round++;
            const input = path.join(dir, `in-${from}-${to}-${round}.${from}`);
            const output = path.join(dir, `out-${from}-${to}-${round}.${to}`);
            writeFileSync(input, inputText(t, from));
            const res = await runCli(['run', input, '-c', t.columns[0], '-p', 'echo', '--no-cache', '-q', '-o', output]);
            expect(res.stderr).toBe('');
            expect(res.code).toBe(0);
            const texts = t.rows.map((row) => row.map((c) => c?.text ?? ''));
            const responses = texts.map((row) => (row[0].trim() === '' ? '' : row[0]));
            const back = strictRead(to, output);
            if (to !== 'jsonl') {
              expect(back).toEqual([[...t.columns, 'response'], ...texts.map((row, r) => [...row, responses[r]])]);
            } else if (from === 'jsonl') {
              // Each line is the input line's own object, with the response appended.
              const sent = strictRead('jsonl', input) as unknown[][];
              expect(back).toEqual(sent.map((pairs, r) => [...pairs, ['response', responses[r]]]));
            } else {
              expect(back).toEqual(texts.map((row, r) => [...t.columns.map((c, i) => [c, row[i]]), ['response', responses[r]]]));
            }
          }),
          { numRuns: RUNS, examples: [[known(from)]] },
        );
      }, 60_000);
    }
  }

  it('the model of a JSONL value agrees with Python on what was written', () => {
    expect(asRead('{"n":-0,"e":1e400,"s":"a\\u0000"}')).toEqual([['n', { number: '-0' }], ['e', { number: '1e400' }], ['s', 'a\u0000']]);
  });
});
