/**
 * Parquet read back into apache-arrow through parquet-wasm: the Arrow schema a Parquet file stores
 * (dictionaries, zones, fixed-size lists) as an independent reader sees it.
 */
import { readFileSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';

export function arrowOfParquet(file: string): Table {
  return tableFromIPC(readParquet(readFileSync(file)).intoIPCStream());
}

/** 'name:Type' for each field, as apache-arrow prints the types. */
export function fieldTypes(table: Table): string[] {
  return table.schema.fields.map((f) => `${f.name}:${f.type}`);
}

/** A column's values as comparable JSON: bigints and typed arrays spelled out, so decimals and blobs compare by content. */
export function columnJson(table: Table, column: string): string {
  return JSON.stringify([...table.getChild(column)!], (_key, value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value,
  );
}
