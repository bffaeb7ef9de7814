#!/usr/bin/env node
/**
 * Faults and limits as busy providers serve them, llmap beside a plain retrying client
 * (lib/retrying-client.js: undici, each failed request retried after its Retry-After or a short
 * backoff, same concurrency), each against a fresh fake server:
 *   - sporadic: 3,000 rows, -j 16, 40 ms, 3% 429 (Retry-After 1 s) + 2% 500: rows/s against the
 *     same client's fault-free rows/s (llmap ≥ 0.8);
 *   - 5xx only: the same with 5% 500 (≥ 0.85);
 *   - heavy mix: 1,000 rows, -j 32, 0-20 ms, 10% 429 + 5% 500 + 2% reset + 1% hang + 1% bad JSON,
 *     --timeout 3s --retries 8: every row right, wall time ≤ 15 s;
 *   - a stated limit: token bucket 1,200/min (burst 20) in x-ratelimit-* headers, -j 64:
 *     ≥ 0.95 of the limit and no 429;
 *   - an unstated limit: at most 20 requests in any second (sliding window), 429 + Retry-After
 *     only, -j 64: ≥ 0.85 of the limit, 429s on ≤ 10% of rows.
 *   node bench/8-faults.js [--rows 3000] [--limit-rows 1000]
 * One run per subject (the limit parts take ~50 s each). Prints its part of the table on stdout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRowsCsv, rowText } from './lib/generate-rows.js';
import { assertBuilt } from './lib/paths.js';
import { formatResults, noteRow, perSecond, resultRow } from './lib/result-table.js';
import { runLlmapMeasured, runNode } from './lib/run-measured.js';
import { startServerProcess } from './lib/fake-server.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '3000' }, 'limit-rows': { type: 'string', default: '1000' } } });
const rows = wholeNumber('rows', values.rows);
const limitRows = wholeNumber('limit-rows', values['limit-rows']);
const HEAVY_ROWS = Math.min(1000, rows);
const LIMIT_PER_MIN = 1200;

assertBuilt();
await withTempDir(async (dir) => {
  const inputs = {};
  for (const n of new Set([rows, HEAVY_ROWS, limitRows])) {
    inputs[n] = path.join(dir, `in-${n}.csv`);
    await writeRowsCsv(inputs[n], n);
  }

  /** Runs llmap and the plain client, each against a fresh server started with `serverArgs`. */
  async function scenario(name, n, serverArgs, { j, llmapArgs = [], clientArgs = [] }) {
    const result = {};
    for (const who of ['llmap', 'plain']) {
      const out = path.join(dir, `${name}-${who}.csv`);
      const server = await startServerProcess(serverArgs, path.join(dir, `${name}-${who}-stats.json`));
      let run;
      try {
        process.stderr.write(`faults: ${name}, ${who} (${n} rows)\n`);
        run =
          who === 'llmap'
            ? await runLlmapMeasured(['run', inputs[n], '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '-j', String(j), '--no-cache', '-q', '-o', out, ...llmapArgs])
            : await runNode(['bench/lib/retrying-client.js', '--input', inputs[n], '--output', out, '--url', server.url, '--concurrency', String(j), ...clientArgs]);
      } finally {
        result[who] = { stats: await server.stop() };
      }
      Object.assign(result[who], { run, seconds: run.elapsedMs / 1000, rate: n / (run.elapsedMs / 1000), wrong: wrongRows(out, n) });
      if (who === 'llmap' && run.code !== 0) process.stderr.write(`llmap exited ${run.code ?? run.signal}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}\n`);
    }
    return result;
  }

  const latency = ['--latency-ms', '40'];
  const clean = await scenario('fault-free', rows, latency, { j: 16 });
  const sporadic = await scenario('sporadic', rows, [...latency, '--faults', '7', '--fault-mix', '429=0.03,500=0.02', '--retry-after', '1'], { j: 16 });
  const fiveHundreds = await scenario('5xx', rows, [...latency, '--faults', '7', '--fault-mix', '500=0.05'], { j: 16 });
  const heavy = await scenario('heavy', HEAVY_ROWS, ['--latency-ms', '0', '--latency-max-ms', '20', '--faults', '7', '--retry-after', '1'], {
    j: 32,
    llmapArgs: ['--timeout', '3s', '--retries', '8'],
    clientArgs: ['--timeout-ms', '3000', '--retries', '8'],
  });
  const stated = await scenario('stated limit', limitRows, ['--latency-ms', '20', '--rpm', String(LIMIT_PER_MIN), '--burst', '20'], { j: 64 });
  const unstated = await scenario('unstated limit', limitRows, ['--latency-ms', '20', '--window-limit', '20', '--window-ms', '1000'], { j: 64 });

  const share = (s, who) => s[who].rate / clean[who].rate;
  const ofLimit = (s, who) => (s[who].stats.ok * 60) / s[who].seconds / LIMIT_PER_MIN;
  const lost = (s, who) => `${s[who].wrong} rows wrong or lost`;
  const ratio = (x) => x.toFixed(2);
  const seconds = (x) => `${x.toFixed(1)} s`;
  const table = formatResults(
    `8. Faults and limits (llmap vs a plain retrying client, same -j, fresh fake server each; one run each)`,
    [
      resultRow({ measure: `fault-free: ${rows.toLocaleString('en-US')} rows, -j 16, 40 ms (the reference)`, llmap: clean.llmap.rate, baseline: clean.plain.rate, format: perSecond('rows') }),
      resultRow({ measure: 'sporadic 3% 429 + 2% 500: share of own fault-free rows/s', llmap: share(sporadic, 'llmap'), baseline: share(sporadic, 'plain'), target: 0.8, judge: 'llmap', format: ratio }),
      noteRow('  rows/s', perSecond('rows')(sporadic.llmap.rate), perSecond('rows')(sporadic.plain.rate)),
      resultRow({ measure: '5% 500 only: share of own fault-free rows/s', llmap: share(fiveHundreds, 'llmap'), baseline: share(fiveHundreds, 'plain'), target: 0.85, judge: 'llmap', format: ratio }),
      resultRow({ measure: `heavy mix, ${HEAVY_ROWS.toLocaleString('en-US')} rows, -j 32: wall time`, llmap: heavy.llmap.seconds, baseline: heavy.plain.seconds, target: 15, higherIsBetter: false, judge: 'llmap', format: seconds, targetText: '≤ 15 s' }),
      noteRow('  rows wrong or lost', lost(heavy, 'llmap'), lost(heavy, 'plain')),
      resultRow({ measure: `stated limit 1,200/min (headers), -j 64: share of the limit`, llmap: ofLimit(stated, 'llmap'), baseline: ofLimit(stated, 'plain'), target: 0.95, judge: 'llmap', format: ratio }),
      noteRow('  429s (target 0)', String(stated.llmap.stats.rateLimited), String(stated.plain.stats.rateLimited)),
      resultRow({ measure: `unstated limit 20/s (429 + Retry-After), -j 64: share of limit`, llmap: ofLimit(unstated, 'llmap'), baseline: ofLimit(unstated, 'plain'), target: 0.85, judge: 'llmap', format: ratio }),
      resultRow({ measure: '  429s per row', llmap: unstated.llmap.stats.rateLimited / limitRows, baseline: unstated.plain.stats.rateLimited / limitRows, target: 0.1, higherIsBetter: false, judge: 'llmap', format: ratio }),
      noteRow('  rows wrong or lost, all parts', String(sumWrong('llmap')), String(sumWrong('plain'))),
    ],
  );
  process.stdout.write(table);

  function sumWrong(who) {
    return [clean, sporadic, fiveHundreds, heavy, stated, unstated].reduce((n, s) => n + s[who].wrong, 0);
  }
});

/** Rows of `file` (a CSV written by llmap or the client) whose response is not the echo of its text, plus rows missing. */
function wrongRows(file, n) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return n;
  }
  const lines = text.split('\n').slice(1);
  let right = 0;
  for (let i = 0; i < n; i++) if (lines[i] === `${i},"${rowText(i)}","echo:${rowText(i)}"`) right++;
  return n - right;
}
