#!/usr/bin/env node
/**
 * The floor for a cached re-run: what it costs just to stream a CSV through csv-parse, add one
 * column and write it with csv-stringify, with nothing else in between. The new column copies the
 * prompt column, so the output is byte for byte what `llmap run -p echo` writes.
 *   node bench/lib/plain-csv.js --input in.csv --output out.csv [--column text]
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

const { values } = parseArgs({
  options: { input: { type: 'string' }, output: { type: 'string' }, column: { type: 'string', default: 'text' } },
});
if (values.input === undefined || values.output === undefined) {
  process.stderr.write('plain-csv: --input and --output are required\n');
  process.exit(2);
}

let column = -1;
const addColumn = new Transform({
  objectMode: true,
  transform(record, _encoding, done) {
    if (column >= 0) return done(null, [...record, record[column]]);
    column = record.indexOf(values.column);
    if (column < 0) return done(new Error(`column '${values.column}' not found in ${values.input}`));
    done(null, [...record, 'response']);
  },
});
await pipeline(createReadStream(values.input), parse(), addColumn, stringify(), createWriteStream(values.output));
