import { Field, Utf8, type Data, type Schema } from 'apache-arrow';
import { ARROW_ROW, type ArrowRow, type ArrowRowRef } from './record-batch-source.js';
import type { CellText, Row } from './table.js';
import { Utf8Column } from './utf8-column.js';

/** The input's columns of the record batches an Arrow sink writes. */
export interface InputColumns {
  /** Their fields, in order. */
  readonly fields: readonly Field[];
  /** Whether `row` can join the rows pending in the current batch. */
  follows(row: Row): boolean;
  /** Adds a row's input cells to the pending batch. */
  add(row: Row): void;
  /** The column data of the pending rows; the next batch starts empty. */
  take(): Data[];
  /** Characters of text the pending rows hold here, beyond the input's own data (0 when none). */
  pendingChars(): number;
}

/**
 * Arrow input: the rows' own column data, untouched. Pending rows are consecutive rows of one input
 * batch, so a batch's columns are slices of that batch's (no copy, no decoding): dictionaries,
 * nested, large and extension types, and whatever this library does not understand, come back as
 * they came, with their field and schema metadata.
 */
export function passThroughColumns(schema: Schema): InputColumns {
  let columns: readonly Data[] | undefined;
  let start = 0;
  let count = 0;
  return {
    fields: schema.fields,
    follows(row) {
      const ref = refOf(row);
      return ref.columns === columns && ref.index === start + count;
    },
    add(row) {
      const ref = refOf(row);
      if (count === 0) {
        columns = ref.columns;
        start = ref.index;
      }
      count++;
    },
    take() {
      const length = count;
      const taken = columns === undefined ? [] : columns.map((data) => (start === 0 && length === data.length ? data : data.slice(start, length)));
      columns = undefined;
      count = 0;
      return taken;
    },
    // Slices of the input's batches, which are held until their rows are written anyway.
    pendingChars: () => 0,
  };
}

function refOf(row: Row): ArrowRowRef {
  const ref = (row as ArrowRow)[ARROW_ROW];
  // Only a record batch source's own rows carry one; anything else is a wiring mistake.
  if (ref === undefined) throw new Error('an Arrow row reached the Arrow writer without its record batch');
  return ref;
}

/** Text input (CSV, TSV, JSONL): Utf8 columns holding each cell's text, null for a missing cell. */
export function textColumns(names: readonly string[], cellText: CellText): InputColumns {
  const fields = names.map((name) => new Field(name, new Utf8(), true));
  const builders = fields.map(() => new Utf8Column());
  return {
    fields,
    follows: () => true,
    add(row) {
      for (let j = 0; j < builders.length; j++) {
        const value = row[j];
        builders[j].append(value === null || value === undefined ? null : cellText(value, j));
      }
    },
    // flush() hands over the values so far and leaves the column empty for the next batch.
    take: () => builders.map((builder) => builder.flush()),
    pendingChars() {
      let chars = 0;
      for (const builder of builders) chars += builder.chars;
      return chars;
    },
  };
}
