#!/usr/bin/env node
/**
 * Client overhead: with a server that answers at once (0 ms latency), how many rows per second
 * llmap gets through compared with a minimal client (bench/lib/baseline-client.js: csv-parse, one
 * keep-alive undici Pool, csv-stringify) at the same concurrency against the same server process.
 * llmap runs twice: with --no-cache, and with a fresh (empty) cache folder, as a first real run
 * would, storing every answer. Three interleaved rounds; each subject's median run counts.
 *   node bench/1-client-overhead.js [--rows 20000] [--concurrency 64]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRowsCsv } from './lib/generate-rows.js';
import { assertBuilt } from './lib/paths.js';
import { formatResults, megabytes, perSecond, resultRow } from './lib/result-table.js';
import { assertOk, runLlmapMeasured, runNode } from './lib/run-measured.js';
import { withFakeServer } from './lib/with-fake-server.js';
import { medianRuns } from './lib/median-run.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const TARGET = 0.85;
// Rounds per subject; the median run counts (see lib/median-run.js).
const ROUNDS = 3;
const { values } = parseArgs({ options: { rows: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '64' } } });
const rows = wholeNumber('rows', values.rows);
const concurrency = wholeNumber('concurrency', values.concurrency);

assertBuilt();
await withTempDir(async (dir) => {
  const input = path.join(dir, 'in.csv');
  await writeRowsCsv(input, rows);
  const warmInput = path.join(dir, 'warm.csv');
  await writeRowsCsv(warmInput, Math.min(rows, 2000));
  const result = await withFakeServer(['--latency-ms', '0'], dir, async (url) => {
    const baseline = (file, out) =>
      runNode(['bench/lib/baseline-client.js', '--input', file, '--output', out, '--url', url, '--concurrency', String(concurrency)]);
    const llmap = (out, cacheArgs) =>
      runLlmapMeasured(['run', input, '-c', 'text', '-m', 'test', '--base-url', `${url}/v1`, '-j', String(concurrency), '-q', '-o', out, ...cacheArgs]);
    // The server's JIT warms up on someone's requests; not on the first measured client's.
    assertOk('baseline client (warm-up)', await baseline(warmInput, path.join(dir, 'warm-out.csv')));
    process.stderr.write(`client-overhead: ${rows} rows, 0 ms latency, concurrency ${concurrency}, against ${url}; ${ROUNDS} interleaved rounds\n`);
    return medianRuns(
      {
        base: async () => assertOk('baseline client', await baseline(input, path.join(dir, 'baseline.csv'))),
        noCache: async () => assertOk('llmap --no-cache', await llmap(path.join(dir, 'llmap.csv'), ['--no-cache'])),
        // A fresh cache folder each round: every answer is stored, as in a first real run.
        fresh: async (round) =>
          assertOk('llmap with a fresh cache', await llmap(path.join(dir, 'llmap-cached.csv'), ['--cache-dir', path.join(dir, `cache-${round}`)])),
      },
      ROUNDS,
    );
  });
  const expected = readFileSync(path.join(dir, 'baseline.csv'), 'utf8');
  for (const file of ['llmap.csv', 'llmap-cached.csv']) {
    if (readFileSync(path.join(dir, file), 'utf8') !== expected) throw new Error(`llmap's ${file} differs from the baseline client's output`);
  }
  const rate = (run) => rows / (run.elapsedMs / 1000);
  const label = `${rows.toLocaleString('en-US')} rows, 0 ms, -j ${concurrency}; median of ${ROUNDS} interleaved rounds`;
  const table = formatResults(`1. Client overhead (${label}; same server process; outputs identical)`, [
    resultRow({ measure: 'rows/s, llmap --no-cache vs baseline client', llmap: rate(result.noCache), baseline: rate(result.base), target: TARGET, format: perSecond('rows') }),
    resultRow({ measure: 'rows/s, llmap fresh cache dir vs baseline client', llmap: rate(result.fresh), baseline: rate(result.base), target: TARGET, format: perSecond('rows') }),
    resultRow({ measure: 'peak RSS, llmap --no-cache vs baseline client', llmap: result.noCache.peakMb, baseline: result.base.peakMb, format: megabytes }),
  ]);
  process.stdout.write(table);
});

