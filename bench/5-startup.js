#!/usr/bin/env node
/**
 * Start-up: the wall time of `llmap --help`, and of `llmap run` on a one-row file with `-p echo`
 * (cache in a temp folder), against `node -e 0`, the least any Node.js CLI can cost. The three
 * commands take turns, so a busy moment of the machine hits them alike; medians.
 *   node bench/5-startup.js [--runs 11]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assertBuilt, BIN } from './lib/paths.js';
import { formatResults, millis, resultRow } from './lib/result-table.js';
import { assertOk, runNode } from './lib/run-measured.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const HELP_TARGET = 3;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' } } });
const runs = wholeNumber('runs', values.runs);

assertBuilt();
await withTempDir(async (dir) => {
  const input = path.join(dir, 'one.csv');
  writeFileSync(input, 'id,text\n1,hello\n');
  const commands = {
    node: ['-e', '0'],
    help: [BIN, '--help'],
    run: [BIN, 'run', input, '-c', 'text', '-p', 'echo', '--cache-dir', path.join(dir, 'cache'), '-q', '-o', path.join(dir, 'out.csv')],
  };
  const times = { node: [], help: [], run: [] };
  process.stderr.write(`startup: ${runs} runs each of node -e 0, llmap --help, llmap run (1 row, -p echo)\n`);
  // One untimed round first: the OS file cache, not llmap, would otherwise pay for the first read.
  for (let i = 0; i <= runs; i++) {
    for (const [name, args] of Object.entries(commands)) {
      const run = assertOk(`${name} (${args.join(' ')})`, await runNode(args));
      if (i > 0) times[name].push(run.elapsedMs);
    }
  }
  const node = median(times.node);
  const table = formatResults(`5. Start-up (wall time, median of ${runs} interleaved runs each; baseline: node -e 0)`, [
    resultRow({ measure: 'llmap --help vs node -e 0', llmap: median(times.help), baseline: node, target: HELP_TARGET, higherIsBetter: false, format: millis, targetText: `≤ ${HELP_TARGET}×` }),
    resultRow({ measure: 'llmap run, 1 row, -p echo (opens the cache) vs node -e 0', llmap: median(times.run), baseline: node, format: millis }),
  ]);
  process.stdout.write(table);
});

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
