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
import { Pool } from 'undici';
import { clientArgs, mapCsvColumn } from './csv-column-client.js';

const values = clientArgs('baseline-client', '64');
const concurrency = Number(values.concurrency);
const pool = new Pool(values.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });

async function answer(text) {
  const { statusCode, body } = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: values.model, messages: [{ role: 'user', content: text }] }),
  });
  const json = await body.json();
  if (statusCode !== 200) throw new Error(`status ${statusCode}`);
  return json.choices[0].message.content;
}

await mapCsvColumn({ name: 'baseline-client', ...values, concurrency, answer, close: () => pool.close() });
