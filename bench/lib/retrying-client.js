#!/usr/bin/env node
/**
 * The plain retrying client the faults benchmark sets llmap beside: baseline-client.js plus what
 * any batch script gets from a retry helper. Each row's request is retried until it succeeds
 * (up to --retries times): a 429 after its Retry-After (seconds), anything else (5xx, reset
 * socket, timeout, unreadable body) after 100 ms doubling, with jitter. No global pause, no
 * pacing, no adaptive concurrency: a row holds its slot while it waits.
 *   node bench/lib/retrying-client.js --input in.csv --output out.csv --url http://127.0.0.1:PORT
 *     [--column text] [--model test] [--concurrency 16] [--retries 8] [--timeout-ms 30000]
 * Exit code 1 if any row failed for good (it prints how many on stderr).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
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
    concurrency: { type: 'string', default: '16' },
    retries: { type: 'string', default: '8' },
    'timeout-ms': { type: 'string', default: '30000' },
  },
});
for (const flag of ['input', 'output', 'url']) {
  if (values[flag] === undefined) {
    process.stderr.write(`retrying-client: --${flag} is required\n`);
    process.exit(2);
  }
}
const concurrency = Number(values.concurrency);
const retries = Number(values.retries);
const timeoutMs = Number(values['timeout-ms']);
const pool = new Pool(values.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

const parser = createReadStream(values.input).pipe(parse());
const out = stringify();
const file = createWriteStream(values.output);
out.pipe(file);

let failed = 0;
let running = 0;
const waiting = [];
const pending = [];

/** One attempt: the answer text, or throws with the delay before the next attempt. */
async function attempt(text, n) {
  let statusCode;
  let headers;
  let body;
  try {
    ({ statusCode, headers, body } = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: values.model, messages: [{ role: 'user', content: text }] }),
    }));
    const raw = await body.text();
    if (statusCode === 200) return JSON.parse(raw).choices[0].message.content;
  } catch {
    // Network error, timeout or unreadable body: back off below.
  }
  const after = statusCode === 429 ? Number(headers?.['retry-after']) : NaN;
  const backoff = 100 * 2 ** n;
  throw { delayMs: Number.isFinite(after) ? after * 1000 : backoff / 2 + (Math.random() * backoff) / 2 };
}

async function answer(record, index) {
  running++;
  try {
    for (let n = 0; ; n++) {
      try {
        return [...record, await attempt(record[index], n)];
      } catch (retry) {
        if (n >= retries) throw retry;
        await sleep(retry.delayMs);
      }
    }
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
  while (pending.length > 4 * concurrency) await writeHead();
}
while (pending.length > 0) await writeHead();
out.end();
await once(file, 'close');
await pool.close();
if (failed > 0) {
  process.stderr.write(`retrying-client: ${failed} rows failed\n`);
  process.exitCode = 1;
}
