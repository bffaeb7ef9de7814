#!/usr/bin/env node
/**
 * Cached re-run: a table whose every answer is already in the cache should cost little more than
 * reading and writing the CSV. The re-run (`-p echo`: answers are cached under the echo provider's
 * key, the same path as any provider's) is timed against bench/lib/plain-csv.js (csv-parse → add a
 * column → csv-stringify) on the same file; both outputs are byte for byte the same. Its peak
 * memory is measured here too (memory part of the table), on the full table and on its first
 * 100,000 rows, to show it stays flat.
 *
 * A first llmap run filling the cache for a million rows takes minutes, more than this benchmark's
 * share of the budget, so the cache is filled straight into SQLite (bench/lib/fill-echo-cache.js)
 * and the re-run's report must say every row came from the cache. Should it not (the key's inputs
 * changed), the cache is filled by a real first llmap run instead, and the table says so.
 *   node bench/3-cached-rerun.js [--rows 1000000] [--small-rows 100000]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fillEchoCache } from './lib/fill-echo-cache.js';
import { writeRowsCsv } from './lib/generate-rows.js';
import { assertBuilt } from './lib/paths.js';
import { formatResults, megabytes, memoryRow, noteRow, perSecond, resultRow } from './lib/result-table.js';
import { assertOk, runLlmapMeasured, runNode } from './lib/run-measured.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const TARGET = 0.5;
const MEMORY_TARGET_MB = 300;
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'small-rows': { type: 'string', default: '100000' } } });
const rows = wholeNumber('rows', values.rows);
const smallRows = Math.min(rows, wholeNumber('small-rows', values['small-rows']));
const count = (n) => n.toLocaleString('en-US');

assertBuilt();
await withTempDir(async (dir) => {
  const input = path.join(dir, 'in.csv');
  const smallInput = path.join(dir, 'small.csv');
  const cacheDir = path.join(dir, 'cache');
  const report = path.join(dir, 'report.json');
  await writeRowsCsv(input, rows);
  // The same first rows, so every one of them is in the cache too.
  await writeRowsCsv(smallInput, smallRows);
  const mb = (statSync(input).size / 1e6).toFixed(0);
  const llmap = (file, out) =>
    runLlmapMeasured(['run', file, '-c', 'text', '-p', 'echo', '--cache-dir', cacheDir, '-q', '-o', path.join(dir, out), '--report', report]);
  const plain = (file, out) => runNode(['bench/lib/plain-csv.js', '--input', file, '--output', path.join(dir, out)]);

  process.stderr.write(`cached-rerun: filling the cache for ${count(rows)} rows (${mb} MB of CSV) straight into SQLite\n`);
  let started = performance.now();
  await fillEchoCache(cacheDir, rows);
  let fillNote = `filled straight into SQLite in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  let smallRerun = assertOk('llmap cached re-run (small)', await llmap(smallInput, 'small-rerun.csv'));
  if (cachedRows(report) !== smallRows) {
    process.stderr.write(`cached-rerun: llmap found ${cachedRows(report)} of ${smallRows} rows in the directly filled cache; filling it with a first llmap run instead\n`);
    started = performance.now();
    assertOk('llmap filling the cache', await llmap(input, 'fill.csv'));
    fillNote = `filled by a first llmap run in ${((performance.now() - started) / 1000).toFixed(1)} s (the direct fill's keys no longer match)`;
    smallRerun = assertOk('llmap cached re-run (small)', await llmap(smallInput, 'small-rerun.csv'));
  }
  process.stderr.write(`cached-rerun: timing the re-run and the plain CSV copy\n`);
  const rerun = assertOk('llmap cached re-run', await llmap(input, 'rerun.csv'));
  if (cachedRows(report) !== rows) throw new Error(`the re-run found only ${cachedRows(report)} of ${rows} rows in the cache`);
  const copy = assertOk('plain CSV copy', await plain(input, 'plain.csv'));
  const smallCopy = assertOk('plain CSV copy (small)', await plain(smallInput, 'small-plain.csv'));
  for (const [a, b] of [['rerun.csv', 'plain.csv'], ['small-rerun.csv', 'small-plain.csv']]) {
    if (readFileSync(path.join(dir, a), 'utf8') !== readFileSync(path.join(dir, b), 'utf8')) throw new Error(`llmap's ${a} differs from ${b}`);
  }

  const rate = (run, n) => n / (run.elapsedMs / 1000);
  const throughput = (n, run, base) =>
    resultRow({ measure: `rows/s, cached re-run vs plain CSV read+write, ${count(n)} rows`, llmap: rate(run, n), baseline: rate(base, n), target: TARGET, format: perSecond('rows') });
  const memory = (n, run, base) => memoryRow(`peak RSS, cached re-run, ${count(n)} rows (vs plain CSV copy)`, run.peakMb, base.peakMb, MEMORY_TARGET_MB);
  const cacheMb = statSync(path.join(cacheDir, 'cache.sqlite')).size / 1e6;
  const table = formatResults(`3. Cached re-run (${count(rows)} generated rows, ${mb} MB CSV, -p echo; cache ${fillNote})`, [
    throughput(rows, rerun, copy),
    throughput(smallRows, smallRerun, smallCopy),
    memory(smallRows, smallRerun, smallCopy),
    memory(rows, rerun, copy),
    noteRow(`cache file, ${count(rows)} entries`, megabytes(cacheMb)),
  ]);
  process.stdout.write(table);
});

/** How many rows the last run's report says came from the cache. */
function cachedRows(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).rows.cached;
  } catch {
    return undefined;
  }
}
