/**
 * What the plain clients the benchmarks set llmap beside (baseline-client.js, retrying-client.js)
 * share: read a CSV with csv-parse, answer one column's cell per row with `concurrency` rows in
 * flight, and write the rows with a `response` column, in input order, with csv-stringify. They
 * differ only in how a cell is answered.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';

/**
 * The flags every such client takes (--input, --output, --url required; --column, --model,
 * --concurrency with defaults) and its own `extra` ones, parsed; exits 2 naming a missing one.
 */
export function clientArgs(name, concurrency, extra = {}) {
  const { values } = parseArgs({
    options: {
      input: { type: 'string' },
      output: { type: 'string' },
      url: { type: 'string' },
      column: { type: 'string', default: 'text' },
      model: { type: 'string', default: 'test' },
      concurrency: { type: 'string', default: concurrency },
      ...extra,
    },
  });
  for (const flag of ['input', 'output', 'url']) {
    if (values[flag] === undefined) {
      process.stderr.write(`${name}: --${flag} is required\n`);
      process.exit(2);
    }
  }
  return values;
}

/**
 * Maps `answer(cell text) => Promise<string>` over the column; a row whose answer throws gets ''
 * and counts as failed. Sets exit code 1 if any row failed (a client that drops rows would flatter
 * itself), saying how many on stderr after `close()` (the client's pool) resolves.
 */
export async function mapCsvColumn({ name, input, output, column: columnName, concurrency, answer, close }) {
  const parser = createReadStream(input).pipe(parse());
  const out = stringify();
  const file = createWriteStream(output);
  out.pipe(file);

  let failed = 0;
  let running = 0;
  // Resolvers of rows waiting for a free slot, oldest first.
  const waiting = [];
  // Results in input order; the head is written as soon as it is done (bounded: see the loop).
  const pending = [];

  async function answerRow(record, index) {
    running++;
    try {
      return [...record, await answer(record[index])];
    } catch {
      failed++;
      return [...record, ''];
    } finally {
      running--;
      waiting.shift()?.();
    }
  }

  async function writeHead() {
    const row = await pending.shift();
    if (!out.write(row)) await once(out, 'drain');
  }

  let column = -1;
  for await (const record of parser) {
    if (column < 0) {
      column = record.indexOf(columnName);
      if (column < 0) throw new Error(`column '${columnName}' not found in ${input}`);
      out.write([...record, 'response']);
      continue;
    }
    if (running >= concurrency) await new Promise((resolve) => waiting.push(resolve));
    pending.push(answerRow(record, column));
    // A few times the concurrency may wait behind a slow head; beyond that, reading waits too.
    while (pending.length > 4 * concurrency) await writeHead();
  }
  while (pending.length > 0) await writeHead();
  out.end();
  await once(file, 'close');
  await close();
  if (failed > 0) {
    process.stderr.write(`${name}: ${failed} rows failed\n`);
    process.exitCode = 1;
  }
}
