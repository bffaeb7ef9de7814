#!/usr/bin/env node
/**
 * Scale-out: rows/s of `llmap run --queue` with 1, 2 and 4 `llmap worker` processes (a real
 * redis-server, the coordinator and the workers all on this machine), against a latency-bound server
 * (200 ms an answer, no rate limit), each worker at the same -j as the single-process run it is
 * compared with. With the latency the bound, n workers can do n times the rows of one process; the
 * ratio shows how much of that the queue keeps.
 *   node bench/9-workers.js [--rows 3000] [--latency-ms 200] [--concurrency 32] [--chunk-size 100]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { onCleanup } from './lib/cleanup.js';
import { writeRowsCsv } from './lib/generate-rows.js';
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
  const input = path.join(dir, 'in.csv');
  await writeRowsCsv(input, rows);
  process.stderr.write(`workers: ${rows} rows, ${latencyMs} ms latency, -j ${j} per process, chunks of ${chunkSize}\n`);
  const results = await withRedis(dir, (redisUrl) =>
    withFakeServer(['--latency-ms', String(latencyMs)], dir, async (url) => {
      const common = ['-c', 'text', '-m', 'test', '--base-url', `${url}/v1`, '-j', j, '--no-cache', '-q'];
      process.stderr.write('single process\n');
      const single = assertOk('llmap', await runLlmapMeasured(['run', input, ...common, '-o', path.join(dir, 'single.csv')]));
      const queued = [];
      for (const [i, n] of WORKERS.entries()) {
        process.stderr.write(`${n} ${n === 1 ? 'worker' : 'workers'}\n`);
        // A database per round: the chunks of an earlier round must not be found done.
        const queue = `${redisUrl}/${i + 1}`;
        const workers = await Promise.all(Array.from({ length: n }, () => startWorker(queue)));
        try {
          const out = path.join(dir, `queued-${n}.csv`);
          queued.push(assertOk(`llmap with ${n} workers`, await runLlmapMeasured(['run', input, ...common, '--queue', queue, '--chunk-size', chunkSize, '-o', out])));
          if (readFileSync(out, 'utf8') !== readFileSync(path.join(dir, 'single.csv'), 'utf8')) {
            throw new Error(`the output with ${n} workers differs from the single-process output`);
          }
        } finally {
          await Promise.all(workers.map((w) => w.stop()));
        }
      }
      return { single, queued };
    }),
  );
  const rate = (run) => rows / (run.elapsedMs / 1000);
  const format = perSecond('rows');
  const table = formatResults(
    `9. Workers over Redis (${rows.toLocaleString('en-US')} rows, ${latencyMs} ms, -j ${j} per process, --chunk-size ${chunkSize}, --no-cache; one round; baseline = n × the single-process rate)`,
    [
      noteRow('rows/s, single process (llmap run, no queue)', format(rate(results.single))),
      ...WORKERS.map((n, i) =>
        resultRow({ measure: `rows/s, run --queue with ${n} ${n === 1 ? 'worker' : 'workers'} vs ${n} × single`, llmap: rate(results.queued[i]), baseline: n * rate(results.single), target: TARGET, format }),
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
