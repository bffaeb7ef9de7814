#!/usr/bin/env node
/**
 * The least a batch client must do, as the yardstick for llmap's own cost: read a CSV with
 * csv-parse, POST one chat completion per row over one keep-alive undici Pool with `concurrency`
 * calls in flight, and write the rows with a `response` column, in input order, with csv-stringify.
 * No retries, no cache, no progress, no rate limits: whatever llmap spends beyond this is overhead.
 *   node bench/lib/baseline-client.js --input in.csv --output out.csv --url http://127.0.0.1:PORT
 *     --column text [--model test] [--concurrency 64]
 * Exit code 1 if any row failed (a baseline that drops rows would flatter itself).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    url: { type: 'string' },
    column: { type: 'string', default: 'text' },
    model: { type: 'string', default: 'test' },
    concurrency: { type: 'string', default: '64' },
  },
});
for (const flag of ['input', 'output', 'url']) {
  if (values[flag] === undefined) {
    process.stderr.write(`baseline-client: --${flag} is required\n`);
    process.exit(2);
  }
}
const concurrency = Number(values.concurrency);
const pool = new Pool(values.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });

const parser = createReadStream(values.input).pipe(parse());
const out = stringify();
const file = createWriteStream(values.output);
out.pipe(file);

let failed = 0;
let running = 0;
// Resolvers of rows waiting for a free slot, oldest first.
const waiting = [];
// Results in input order; the head is written as soon as it is done (bounded: see the loop).
const pending = [];

async function answer(record, index) {
  running++;
  try {
    const { statusCode, body } = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: values.model, messages: [{ role: 'user', content: record[index] }] }),
    });
    const json = await body.json();
    if (statusCode !== 200) throw new Error(`status ${statusCode}`);
    return [...record, json.choices[0].message.content];
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
    column = record.indexOf(values.column);
    if (column < 0) throw new Error(`column '${values.column}' not found in ${values.input}`);
    out.write([...record, 'response']);
    continue;
  }
  if (running >= concurrency) await new Promise((resolve) => waiting.push(resolve));
  pending.push(answer(record, column));
  // A few times the concurrency may wait behind a slow head; beyond that, reading waits too.
  while (pending.length > 4 * concurrency) await writeHead();
}
while (pending.length > 0) await writeHead();
out.end();
await once(file, 'close');
await pool.close();
if (failed > 0) {
  process.stderr.write(`baseline-client: ${failed} rows failed\n`);
  process.exitCode = 1;
}
