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
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { clientArgs, mapCsvColumn } from './csv-column-client.js';

const values = clientArgs('retrying-client', '16', {
  retries: { type: 'string', default: '8' },
  'timeout-ms': { type: 'string', default: '30000' },
});
const concurrency = Number(values.concurrency);
const retries = Number(values.retries);
const timeoutMs = Number(values['timeout-ms']);
const pool = new Pool(values.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

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

/** A cell's answer, retried up to --retries times. */
async function answer(text) {
  for (let n = 0; ; n++) {
    try {
      return await attempt(text, n);
    } catch (retry) {
      if (n >= retries) throw retry;
      await sleep(retry.delayMs);
    }
  }
}

await mapCsvColumn({ name: 'retrying-client', ...values, concurrency, answer, close: () => pool.close() });
