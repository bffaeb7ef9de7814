/**
 * The hostile cell text both round-trip property tests generate (text formats among themselves, and
 * with Arrow), and the one strict reader they read llmap's output back with.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';

/** Pieces no CSV, TSV or JSON writer may alter: line ends, quotes, delimiters, formula starts, BOM, emoji, template braces. */
const PIECES = ['a', 'Z', ' ', '\r', '\n', '\r\n', '"', '""', "'", ',', '\t', ';', '=', '+', '-', '@', '😀', 'é', '\u2028', '\uFEFF', '\\', '{{', '}}', '{{x}}'];

/** Hostile pieces and random graphemes joined; NUL only where the format allows it (not text input). */
export const hostileText = (nul: boolean): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(fc.constantFrom(...PIECES, ...(nul ? ['\u0000'] : [])), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 8 })
    .map((pieces) => pieces.join(''));

const READER = path.join(path.dirname(new URL(import.meta.url).pathname), 'strict-read.py');

/**
 * A table file as Python's strict readers see it (strict-read.py, independent of llmap's parsers):
 * CSV/TSV as records of strings, the header first; JSONL as lines of [key, value] pairs in written
 * order, numbers as {number: text as written}.
 */
export function strictRead(format: 'csv' | 'tsv' | 'jsonl', file: string): unknown[] {
  return JSON.parse(execFileSync('python3', [READER, format, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}
