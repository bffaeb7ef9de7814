/** Checks a column built without apache-arrow's Builder against what the Builder makes of the same values. */
import { Field, makeBuilder, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, type Data, type DataType } from 'apache-arrow';
import { expect } from 'vitest';

/** What apache-arrow's own Builder makes of `values`. */
export function viaBuilder(type: DataType, values: unknown[]): Data {
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (const value of values) builder.append(value);
  return builder.flush();
}

/** A column as an Arrow IPC stream of one batch: what a reader gets, byte for byte. */
export function ipc(data: Data): Uint8Array {
  const schema = new Schema([new Field('c', data.type, true)]);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: data.length, nullCount: 0, children: [data] }));
  return tableToIPC(new Table([batch]), 'stream');
}

/** `ours` holds what the Builder would from `values`: the same length, nulls and IPC bytes. */
export function expectBuilderParity(ours: Data, values: unknown[]): void {
  const theirs = viaBuilder(ours.type, values);
  expect(ours.length).toBe(theirs.length);
  expect(ours.nullCount).toBe(theirs.nullCount);
  expect(ipc(ours)).toEqual(ipc(theirs));
}
