#!/usr/bin/env node
/**
 * Scale-out: rows/s of `llmap run --queue` with 1, 2 and 4 `llmap worker` processes (a real
 * redis-server, the coordinator and the workers all on this machine), against a latency-bound server
 * (200 ms an answer, no rate limit), each worker at the same -j as the single-process run it is
 * compared with. With the latency the bound, n workers can do n times the rows of one process; the
 * ratio shows how much of that the queue keeps. n workers get n times the rows, so every run lasts
 * about as long and start-up weighs the same in each.
 *   node bench/9-workers.js [--rows 3000] [--latency-ms 200] [--concurrency 32] [--chunk-size 100]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { onCleanup } from './lib/cleanup.js';
import { rowText, writeRowsCsv } from './lib/generate-rows.js';
import { assertBuilt, BIN, ROOT } from './lib/paths.js';
import { formatResults, noteRow, perSecond, resultRow } from './lib/result-table.js';
import { assertOk, runLlmapMeasured } from './lib/run-measured.js';
import { withFakeServer } from './lib/with-fake-server.js';
import { withRedis } from './lib/with-redis.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const WORKERS = [1, 2, 4];
/** Share of n times the single-process rate that n workers should reach. */
const TARGET = 0.8;
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '3000' },
    'latency-ms': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '32' },
    'chunk-size': { type: 'string', default: '100' },
  },
});
const rows = wholeNumber('rows', values.rows);
const latencyMs = wholeNumber('latency-ms', values['latency-ms']);
const j = String(wholeNumber('concurrency', values.concurrency));
const chunkSize = String(wholeNumber('chunk-size', values['chunk-size']));

assertBuilt();
await withTempDir(async (dir) => {
  const inputOf = (n) => path.join(dir, `in-${n}.csv`);
  for (const n of [1, ...WORKERS]) await writeRowsCsv(inputOf(n), n * rows);
  process.stderr.write(`workers: ${rows} rows, ${latencyMs} ms latency, -j ${j} per process, chunks of ${chunkSize}\n`);
  const results = await withRedis(dir, (redisUrl) =>
    withFakeServer(['--latency-ms', String(latencyMs)], dir, async (url) => {
      const common = ['-c', 'text', '-m', 'test', '--base-url', `${url}/v1`, '-j', j, '--no-cache', '-q'];
      process.stderr.write('single process\n');
      const single = assertOk('llmap', await runLlmapMeasured(['run', inputOf(1), ...common, '-o', path.join(dir, 'single.csv')]));
      if (readFileSync(path.join(dir, 'single.csv'), 'utf8') !== echoed(rows)) throw new Error('the single-process output is not the echo of the input');
      const queued = [];
      for (const [i, n] of WORKERS.entries()) {
        process.stderr.write(`${n} ${n === 1 ? 'worker' : 'workers'}\n`);
        // A database per round: the chunks of an earlier round must not be found done.
        const queue = `${redisUrl}/${i + 1}`;
        const workers = await Promise.all(Array.from({ length: n }, () => startWorker(queue)));
        try {
          const out = path.join(dir, `queued-${n}.csv`);
          queued.push(assertOk(`llmap with ${n} workers`, await runLlmapMeasured(['run', inputOf(n), ...common, '--queue', queue, '--chunk-size', chunkSize, '-o', out])));
          // What a single process writes for the same input (checked above on the first input).
          if (readFileSync(out, 'utf8') !== echoed(n * rows)) throw new Error(`the output with ${n} workers is not what a single process writes`);
        } finally {
          await Promise.all(workers.map((w) => w.stop()));
        }
      }
      return { single, queued };
    }),
  );
  const rate = (run, n = 1) => (n * rows) / (run.elapsedMs / 1000);
  const format = perSecond('rows');
  const table = formatResults(
    `9. Workers over Redis (${rows.toLocaleString('en-US')} rows a worker, ${latencyMs} ms, -j ${j} per process, --chunk-size ${chunkSize}, --no-cache; one round; baseline = n × the single-process rate)`,
    [
      noteRow('rows/s, single process (llmap run, no queue)', format(rate(results.single))),
      ...WORKERS.map((n, i) =>
        resultRow({ measure: `rows/s, run --queue with ${n} ${n === 1 ? 'worker' : 'workers'} (${(n * rows).toLocaleString('en-US')} rows) vs ${n} × single`, llmap: rate(results.queued[i], n), baseline: n * rate(results.single), target: TARGET, format }),
      ),
    ],
  );
  process.stdout.write(table);
});

/** Starts `llmap worker --queue url -q` and resolves once it takes chunks. */
function startWorker(url) {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', url], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'ignore', 'pipe'] });
  const forget = onCleanup(() => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.on('close', resolve));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      if (stderr.includes('taking chunks')) {
        resolve({
          async stop() {
            child.kill('SIGINT');
            await exited;
            forget();
          },
        });
      }
    });
    child.on('error', reject);
    void exited.then((code) => reject(new Error(`llmap worker exited with ${code}: ${stderr.trim()}`)));
  });
}

/** The output of llmap for the first `n` generated rows against the echoing fake server. */
function echoed(n) {
  let text = 'id,text,response\n';
  for (let i = 0; i < n; i++) text += `${i},"${rowText(i)}","echo:${rowText(i)}"\n`;
  return text;
}
