/**
 * DuckDB as a second, independent Parquet implementation for the tests: it writes the inputs llmap
 * must read, and reads back what llmap wrote, so a file only one side understands cannot pass.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';

export interface Duck {
  /** Runs statements that return nothing. */
  run(sql: string): Promise<void>;
  /** Rows as JSON-safe objects (bigints and decimals as strings, timestamps as text). */
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** 'name:TYPE' for each column of a Parquet file, as DuckDB reads it. */
  columns(file: string): Promise<string[]>;
  close(): void;
}

/** One in-memory DuckDB for a test file, opened before its tests and closed after; call at the top level. */
export function useDuck(): () => Duck {
  let duck: Duck | undefined;
  beforeAll(async () => {
    duck = await openDuck();
  });
  afterAll(() => duck?.close());
  return () => duck!;
}

export async function openDuck(): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  const rows = async (sql: string): Promise<Array<Record<string, unknown>>> =>
    (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  return {
    run: async (sql) => {
      await connection.run(sql);
    },
    rows,
    columns: async (file) =>
      (await rows(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((r) => `${String(r.column_name)}:${String(r.column_type)}`),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
