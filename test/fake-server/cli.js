#!/usr/bin/env node
/**
 * Runs the fake provider server for shell users and CI:
 *   node test/fake-server/cli.js [--port N] [--latency-ms N] [--api-key KEY] [--requests-log FILE]
 * Prints `listening on http://127.0.0.1:PORT` as its first line and runs until SIGINT/SIGTERM.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFakeServer } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
    'api-key': { type: 'string' },
    'requests-log': { type: 'string' },
  },
});

function wholeNumber(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`expected --${flag} to be a whole number >= 0, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

const log = values['requests-log'];
const server = await startFakeServer({
  port: wholeNumber('port', values.port),
  latencyMs: wholeNumber('latency-ms', values['latency-ms']),
  apiKey: values['api-key'],
  record: false,
  // Synchronous so the count in the file is exact the moment the client finishes.
  onRequest: log ? (r) => appendFileSync(log, JSON.stringify(r.body ?? null) + '\n') : undefined,
});
process.stdout.write(`listening on ${server.url}\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close().then(() => process.exit(0));
  });
}
