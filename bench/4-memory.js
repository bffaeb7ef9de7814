#!/usr/bin/env node
/**
 * Memory of uncached runs: llmap's peak RSS must not grow with the table. A million rows against
 * the fake server would take longer than the whole benchmark budget, so the million-row run uses
 * `-p echo --no-cache` (every row goes through the engine, no network), against the same run on
 * 100,000 rows; the HTTP path is measured against the fake server (0 ms, --no-cache, default -j)
 * on 10,000 and 100,000 rows. The cached re-run's memory is in part 3.
 *   node bench/4-memory.js [--rows 1000000] [--small-rows 100000] [--server-rows 100000] [--server-small-rows 10000]
 * Prints its part of the table on stdout; progress on stderr.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRowsCsv } from './lib/generate-rows.js';
import { assertBuilt } from './lib/paths.js';
import { formatResults, memoryRow } from './lib/result-table.js';
import { assertOk, runLlmapMeasured } from './lib/run-measured.js';
import { withFakeServer } from './lib/with-fake-server.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const MEMORY_TARGET_MB = 300;
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'small-rows': { type: 'string', default: '100000' },
    'server-rows': { type: 'string', default: '100000' },
    'server-small-rows': { type: 'string', default: '10000' },
  },
});
const sizes = {
  echo: [wholeNumber('small-rows', values['small-rows']), wholeNumber('rows', values.rows)],
  server: [wholeNumber('server-small-rows', values['server-small-rows']), wholeNumber('server-rows', values['server-rows'])],
};
const count = (n) => n.toLocaleString('en-US');

assertBuilt();
await withTempDir(async (dir) => {
  const largest = Math.max(...sizes.echo, ...sizes.server);
  const files = new Map();
  for (const n of new Set([...sizes.echo, ...sizes.server])) {
    files.set(n, path.join(dir, `${n}.csv`));
    await writeRowsCsv(files.get(n), n);
  }
  const out = path.join(dir, 'out.csv');
  const rows = [];
  for (const n of sizes.echo) {
    process.stderr.write(`memory: ${count(n)} rows, -p echo --no-cache\n`);
    const run = assertOk(`llmap -p echo on ${n} rows`, await runLlmapMeasured(['run', files.get(n), '-c', 'text', '-p', 'echo', '--no-cache', '-q', '-o', out]));
    rows.push(memoryRow(`peak RSS, ${count(n)} rows, -p echo --no-cache`, run.peakMb, undefined, MEMORY_TARGET_MB));
  }
  await withFakeServer(['--latency-ms', '0'], dir, async (url) => {
    for (const n of sizes.server) {
      process.stderr.write(`memory: ${count(n)} rows against the fake server at ${url}, --no-cache\n`);
      const run = assertOk(
        `llmap on ${n} rows`,
        await runLlmapMeasured(['run', files.get(n), '-c', 'text', '-m', 'test', '--base-url', `${url}/v1`, '--no-cache', '-q', '-o', out]),
      );
      rows.push(memoryRow(`peak RSS, ${count(n)} rows, fake server 0 ms, --no-cache`, run.peakMb, undefined, MEMORY_TARGET_MB));
    }
  });
  process.stdout.write(formatResults(`4. Memory, uncached runs (up to ${count(largest)} rows; the cached re-run's is in 3)`, rows));
});
