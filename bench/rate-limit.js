#!/usr/bin/env node
/**
 * How close llmap gets to a provider's rate limit when the user sets no limit flags: the fake
 * server enforces 600 requests/minute (token bucket, real x-ratelimit-* headers, 429 +
 * retry-after when empty) and llmap runs over 500 rows with its defaults. Ideal is a ratio near 1
 * with few 429s.
 *   node bench/rate-limit.js [--rows 500] [--rpm 600]
 * Prints the table on stdout; progress on stderr.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServerProcess } from './lib/fake-server.js';
import { assertBuilt } from './lib/paths.js';
import { runLlmap } from './lib/run-llmap.js';
import { formatTable } from './lib/table.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '500' }, rpm: { type: 'string', default: '600' } } });
const rows = wholeNumber('rows', values.rows);
const rpm = wholeNumber('rpm', values.rpm);

assertBuilt();
const dir = mkdtempSync(path.join(tmpdir(), 'llmap-bench-'));
try {
  const input = path.join(dir, 'in.csv');
  const report = path.join(dir, 'report.json');
  writeFileSync(input, 'id,text\n' + Array.from({ length: rows }, (_, i) => `${i},row ${i}\n`).join(''));
  const server = await startServerProcess(['--rpm', String(rpm)], path.join(dir, 'stats.json'));
  process.stderr.write(`rate-limit: ${rows} rows against ${server.url} enforcing ${rpm} rpm (ideal ~${((rows * 60) / rpm).toFixed(0)} s)\n`);
  let run;
  let stats;
  try {
    run = await runLlmap([
      'run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache', '-q',
      '-o', path.join(dir, 'out.csv'), '--report', report,
    ]);
  } finally {
    stats = await server.stop();
  }
  const failed = readReport(report)?.rows?.failed ?? '?';
  const minutes = run.elapsedMs / 60_000;
  const achieved = stats.ok / minutes;
  const table = formatTable(
    ['rows', 'elapsed', 'req/min', `ratio to ${rpm}`, '429s', 'failed rows', 'exit'],
    [[rows, `${(run.elapsedMs / 1000).toFixed(1)} s`, achieved.toFixed(1), (achieved / rpm).toFixed(3), stats.rateLimited, failed, run.code ?? run.signal]],
  );
  process.stdout.write(`rate-limit: llmap with no limit flags, fake server enforcing ${rpm} requests/minute\n${table}\n`);
  if (run.code !== 0 && run.stderr.trim() !== '') process.stderr.write(`llmap stderr:\n${run.stderr}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function readReport(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function wholeNumber(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`expected --${flag} to be a whole number >= 1, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}
