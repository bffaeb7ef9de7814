#!/usr/bin/env node
/**
 * Latency-bound: every answer takes 200 ms, so a client can do at most concurrency ÷ latency rows
 * per second (256 ÷ 0.2 s = 1,280). How close llmap (`-j 256`, its defaults otherwise: adaptive
 * concurrency starts low and grows) gets compared with the minimal client holding 256 calls in
 * flight from the first row, and both against that bound.
 *   node bench/2-latency-bound.js [--rows 5000] [--latency-ms 200] [--concurrency 256]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRowsCsv } from './lib/generate-rows.js';
import { assertBuilt } from './lib/paths.js';
import { formatResults, noteRow, perSecond, resultRow } from './lib/result-table.js';
import { assertOk, runLlmapMeasured, runNode } from './lib/run-measured.js';
import { withFakeServer } from './lib/with-fake-server.js';
import { medianRuns } from './lib/median-run.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const TARGET = 0.95;
// Rounds per subject; the median run counts (see lib/median-run.js).
const ROUNDS = 3;
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    'latency-ms': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '256' },
  },
});
const rows = wholeNumber('rows', values.rows);
const latencyMs = wholeNumber('latency-ms', values['latency-ms']);
const concurrency = wholeNumber('concurrency', values.concurrency);
const bound = concurrency / (latencyMs / 1000);

assertBuilt();
await withTempDir(async (dir) => {
  const input = path.join(dir, 'in.csv');
  const report = path.join(dir, 'report.json');
  await writeRowsCsv(input, rows);
  process.stderr.write(`latency-bound: ${rows} rows, ${latencyMs} ms latency, concurrency ${concurrency} (bound ${bound} rows/s)\n`);
  const { base, llmap } = await withFakeServer(['--latency-ms', String(latencyMs)], dir, async (url) => {
    const j = String(concurrency);
    return medianRuns(
      {
        base: async () =>
          assertOk(
            'baseline client',
            await runNode(['bench/lib/baseline-client.js', '--input', input, '--output', path.join(dir, 'baseline.csv'), '--url', url, '--concurrency', j]),
          ),
        llmap: async () =>
          assertOk(
            'llmap',
            await runLlmapMeasured(['run', input, '-c', 'text', '-m', 'test', '--base-url', `${url}/v1`, '-j', j, '--no-cache', '-q', '-o', path.join(dir, 'llmap.csv'), '--report', report]),
          ),
      },
      ROUNDS,
    );
  });
  if (readFileSync(path.join(dir, 'llmap.csv'), 'utf8') !== readFileSync(path.join(dir, 'baseline.csv'), 'utf8')) {
    throw new Error("llmap's output differs from the baseline client's output");
  }
  const rate = (run) => rows / (run.elapsedMs / 1000);
  const reached = concurrencyReached(report);
  const share = (run) => `${(rate(run) / bound).toFixed(2)} of bound`;
  const table = formatResults(
    `2. Latency-bound (${rows.toLocaleString('en-US')} rows, ${latencyMs} ms, -j ${concurrency}, --no-cache; median of ${ROUNDS} interleaved rounds; llmap defaults: adaptive concurrency ${reached})`,
    [
      resultRow({ measure: 'rows/s, llmap vs baseline client', llmap: rate(llmap), baseline: rate(base), target: TARGET, format: perSecond('rows') }),
      noteRow(`share of the bound, -j ÷ latency = ${perSecond('rows')(bound)}`, share(llmap), share(base)),
    ],
  );
  process.stdout.write(table);
});

/** The adaptive concurrency range from the run report, as text. */
function concurrencyReached(file) {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')).concurrency;
    return `min ${c.min}, max ${c.max}, final ${c.final}`;
  } catch {
    return 'range not reported';
  }
}
