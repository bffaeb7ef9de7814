#!/usr/bin/env node
/**
 * Runs the fake provider server for shell users, CI and benchmarks:
 *   node test/fake-server/cli.js [--port N] [--latency-ms N] [--api-key KEY] [--requests-log FILE]
 *     [--faults SEED [--fault-mix 429=0.1,500=0.05,reset=0.02,hang=0.01,malformed=0.01]
 *      [--retry-after-ms N | --retry-after S]]
 *     [--rpm N [--tpm M] [--burst B]] [--window-limit N --window-ms MS] [--latency-max-ms N]
 *     [--stats-file FILE] [--invalid-answers SHARE]
 * Prints `listening on http://127.0.0.1:PORT` as its first line and runs until SIGINT/SIGTERM, then
 * prints the request counts (JSON, one line) on stderr. --stats-file gets the same JSON every
 * second and on exit.
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_FAULT_MIX, parseFaultMix, startFakeServer } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
    'api-key': { type: 'string' },
    'requests-log': { type: 'string' },
    faults: { type: 'string' },
    'fault-mix': { type: 'string' },
    'retry-after-ms': { type: 'string' },
    'retry-after': { type: 'string' },
    rpm: { type: 'string' },
    tpm: { type: 'string' },
    burst: { type: 'string' },
    'window-limit': { type: 'string' },
    'window-ms': { type: 'string' },
    'latency-max-ms': { type: 'string' },
    'stats-file': { type: 'string' },
    // Typed answers: this share (0 to 1) of first answers to a schema request do not conform.
    'invalid-answers': { type: 'string' },
  },
});

function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(2);
}

function wholeNumber(flag, text) {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(n) || n < 0) fail(`expected --${flag} to be a whole number >= 0, got '${text}'`);
  return n;
}

function positive(flag, text) {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) fail(`expected --${flag} to be a number > 0, got '${text}'`);
  return n;
}

function faultOptions() {
  if (values.faults === undefined) {
    for (const flag of ['fault-mix', 'retry-after-ms', 'retry-after']) if (values[flag] !== undefined) fail(`--${flag} needs --faults SEED`);
    return undefined;
  }
  const seed = Number(values.faults);
  if (values.faults.trim() === '' || !Number.isInteger(seed)) fail(`expected --faults to be an integer seed, got '${values.faults}'`);
  let mix = DEFAULT_FAULT_MIX;
  if (values['fault-mix'] !== undefined) {
    try {
      mix = parseFaultMix(values['fault-mix']);
    } catch (err) {
      fail(err.message);
    }
  }
  const faults = { seed, ...mix };
  if (values['retry-after-ms'] !== undefined) faults.retryAfterMs = wholeNumber('retry-after-ms', values['retry-after-ms']);
  if (values['retry-after'] !== undefined) faults.retryAfter = wholeNumber('retry-after', values['retry-after']);
  return faults;
}

function rateLimitOptions() {
  if (values.rpm === undefined) {
    for (const flag of ['tpm', 'burst']) if (values[flag] !== undefined) fail(`--${flag} needs --rpm N`);
    return undefined;
  }
  const limit = { rpm: positive('rpm', values.rpm) };
  if (values.tpm !== undefined) limit.tpm = positive('tpm', values.tpm);
  if (values.burst !== undefined) limit.burst = positive('burst', values.burst);
  return limit;
}

function share(flag, text) {
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0 && n <= 1)) fail(`expected --${flag} to be a number from 0 to 1, got '${text}'`);
  return n;
}

function slidingWindowOptions() {
  if (values['window-limit'] === undefined && values['window-ms'] === undefined) return undefined;
  if (values['window-limit'] === undefined || values['window-ms'] === undefined) fail('--window-limit and --window-ms go together');
  return { limit: wholeNumber('window-limit', values['window-limit']), windowMs: positive('window-ms', values['window-ms']) };
}

// Latency uniform in [--latency-ms, --latency-max-ms] per request.
function latencyOptions() {
  if (values['latency-max-ms'] === undefined) return undefined;
  const min = wholeNumber('latency-ms', values['latency-ms']);
  const max = wholeNumber('latency-max-ms', values['latency-max-ms']);
  if (max < min) fail(`expected --latency-max-ms to be at least --latency-ms (${min}), got ${max}`);
  return () => min + Math.floor(Math.random() * (max - min + 1));
}

const log = values['requests-log'];
let server;
try {
  server = await startFakeServer({
    port: wholeNumber('port', values.port),
    latencyMs: wholeNumber('latency-ms', values['latency-ms']),
    apiKey: values['api-key'],
    faults: faultOptions(),
    rateLimit: rateLimitOptions(),
    ...(values['invalid-answers'] !== undefined && { structured: { invalid: share('invalid-answers', values['invalid-answers']) } }),
    slidingWindow: slidingWindowOptions(),
    latency: latencyOptions(),
    record: false,
    // Synchronous so the count in the file is exact the moment the client finishes.
    onRequest: log ? (r) => appendFileSync(log, JSON.stringify(r.body ?? null) + '\n') : undefined,
  });
} catch (err) {
  fail(`fake server: ${err.message}`);
}

const statsFile = values['stats-file'];
function writeStats() {
  if (statsFile === undefined) return;
  // Written aside and renamed, so a reader never sees a half-written file.
  writeFileSync(`${statsFile}.tmp`, JSON.stringify(server.stats) + '\n');
  renameSync(`${statsFile}.tmp`, statsFile);
}
// Before the URL line, so whoever waits for that line finds the file.
writeStats();
process.stdout.write(`listening on ${server.url}\n`);
const ticker = setInterval(writeStats, 1000);
ticker.unref();

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    writeStats();
    process.stderr.write(`fake server stats: ${JSON.stringify(server.stats)}\n`);
    server.close().then(() => process.exit(0));
  });
}
