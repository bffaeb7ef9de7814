/** How the Arrow writer cuts record batches: by rows, and by the text a batch holds. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BATCH_CHARS } from '../../src/io/arrow-sink.js';
import type { Row } from '../../src/io/table.js';
import { openTestSink, tempDir } from './helpers.js';

/** The batch sizes of an Arrow file written from text input `columns` plus one added Utf8 column. */
async function batchSizes(columns: string[], rows: Row[]): Promise<number[]> {
  const path = join(tempDir(), 'out.arrow');
  const sink = await openTestSink({ path, format: 'arrow', source: { columns }, added: [{ name: 'response', type: 'string' }] });
  for (const row of rows) await sink.write(row);
  await sink.finish();
  const table = tableFromIPC(readFileSync(path));
  expect(table.numRows).toBe(rows.length);
  return table.batches.map((batch) => batch.numRows);
}

describe('Arrow output batches', () => {
  it('hold 8,192 rows at most', async () => {
    const rows = Array.from({ length: 8192 * 2 + 5 }, (_, i) => [String(i), `answer ${i}`]);
    expect(await batchSizes(['id'], rows)).toEqual([8192, 8192, 5]);
  });

  it('end early once their text (added cells and text input cells) reaches BATCH_CHARS', async () => {
    const long = 'x'.repeat(BATCH_CHARS / 8);
    // Eight long answers fill a batch.
    expect(await batchSizes(['id'], Array.from({ length: 10 }, (_, i) => [String(i), long]))).toEqual([8, 2]);
    // Input cells count too: a long cell and a long answer a row, and the fifth row crosses it.
    expect(await batchSizes(['text'], Array.from({ length: 10 }, () => [long, long.slice(0, -1)]))).toEqual([5, 5]);
  });
});
