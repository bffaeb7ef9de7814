#!/usr/bin/env node
/**
 * Parquet read → echo → write: llmap on a generated Parquet file (`id`, `text`, a double and a
 * timestamp; row groups of 100,000 rows) with `-p echo --no-cache`, against parquet-wasm (the
 * library llmap uses) copying the same file on its own, streamed the same way
 * (`bench/lib/parquet-copy.js`); three interleaved rounds, each side's median run counts. The same
 * rows as CSV through llmap show what the engine costs per row whatever the format. Peak RSS of the
 * Parquet runs (the highest of the rounds) against the 300 MB ceiling.
 *   node bench/7-parquet.js [--rows 1000000]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRowsCsv } from './lib/generate-rows.js';
import { writeRowsParquet } from './lib/generate-parquet.js';
import { assertBuilt, ROOT } from './lib/paths.js';
import { medianRuns } from './lib/median-run.js';
import { formatResults, memoryRow, noteRow, perSecond, resultRow } from './lib/result-table.js';
import { assertOk, runLlmapMeasured, runNode } from './lib/run-measured.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const MEMORY_TARGET_MB = 300;
// Rounds per side; the median run counts (see lib/median-run.js).
const ROUNDS = 3;
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const rows = wholeNumber('rows', values.rows);
const count = (n) => n.toLocaleString('en-US');

assertBuilt();
await withTempDir(async (dir) => {
  const input = path.join(dir, 'in.parquet');
  const csv = path.join(dir, 'in.csv');
  process.stderr.write(`parquet: writing ${count(rows)} rows as Parquet and as CSV\n`);
  await writeRowsParquet(input, rows);
  await writeRowsCsv(csv, rows);
  const echo = ['-c', 'text', '-p', 'echo', '--no-cache', '-q'];

  process.stderr.write(`parquet: llmap run in.parquet -p echo --no-cache -o out.parquet, and parquet-wasm's copy of the same file; ${ROUNDS} interleaved rounds\n`);
  const { llmap, copy } = await medianRuns(
    {
      llmap: async () => assertOk('llmap on Parquet', await runLlmapMeasured(['run', input, ...echo, '-o', path.join(dir, 'out.parquet')])),
      copy: async () => assertOk('parquet-wasm copy', await runNode([path.join(ROOT, 'bench/lib/parquet-copy.js'), input, path.join(dir, 'copy.parquet')])),
    },
    ROUNDS,
  );
  process.stderr.write('parquet: llmap run in.csv -p echo --no-cache -o out.csv (the engine alone, for reference)\n');
  const viaCsv = assertOk('llmap on CSV', await runLlmapMeasured(['run', csv, ...echo, '-o', path.join(dir, 'out.csv')]));

  const rate = (run) => rows / (run.elapsedMs / 1000);
  const highestPeak = (median) => Math.max(...median.runs.map((run) => run.peakMb));
  const rowsPerSecond = perSecond('rows');
  const size = (file) => `${(statSync(file).size / 1e6).toFixed(1)} MB`;
  process.stdout.write(
    formatResults(`7. Parquet (${count(rows)} generated rows, ${size(input)} zstd; baseline: parquet-wasm's own read → write copy; median of ${ROUNDS} interleaved rounds)`, [
      resultRow({ measure: 'rows/s, read → -p echo --no-cache → write vs library copy', llmap: rate(llmap), baseline: rate(copy), format: rowsPerSecond, target: 0.5 }),
      memoryRow(`peak RSS, ${count(rows)} rows, -p echo --no-cache, highest of ${ROUNDS} (vs library copy)`, highestPeak(llmap), highestPeak(copy), MEMORY_TARGET_MB),
      noteRow('rows/s, the same rows as CSV through llmap (the engine per row)', rowsPerSecond(rate(viaCsv))),
      noteRow('output size, llmap vs library copy', size(path.join(dir, 'out.parquet')), size(path.join(dir, 'copy.parquet'))),
    ]),
  );
});
