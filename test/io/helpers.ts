import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { cellText, jsonText } from '../../src/io/cell-text.js';
import { openTableSink } from '../../src/io/open-table-sink.js';
import type { Row, TableSink, TableSource, WriteOptions } from '../../src/io/table.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llmap-io-'));
  dirs.push(dir);
  return dir;
}

/** Writes `content` to `name` in a fresh temp folder and returns its path. */
export function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

/** All rows of a source. */
export async function readRows(source: TableSource): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of source.rows) rows.push(row);
  return rows;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** What a test gives to open a sink: a source's columns (and Arrow schema); text renderings default. */
type TestSinkOptions = Omit<WriteOptions, 'source'> & { source: Partial<WriteOptions['source']> & { columns: string[] } };

/**
 * openTableSink for tests that write whole rows: `write(row)` takes the input cells followed by the
 * added cells and hands them to the sink split at the source's width.
 */
export async function openTestSink(opts: TestSinkOptions): Promise<{ write(row: Row): Promise<void> } & Omit<TableSink, 'write'>> {
  const source = { cellText: (value: unknown) => cellText(value), cellJson: (value: unknown) => jsonText(value), ...opts.source };
  const sink = await openTableSink({ ...opts, source });
  const width = source.columns.length;
  return {
    write: (row) => sink.write(row.slice(0, width), row.slice(width)),
    finish: () => sink.finish(),
    abort: (keepPartial) => sink.abort(keepPartial),
  };
}
