/**
 * The input tables benchmarks run on: `id,text` rows with a short review-like sentence, about 45
 * bytes a row (a million rows is ~45 MB).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** The prompt text of row `i`; distinct per row, so no two rows share a cache entry. */
export function rowText(i) {
  return `Review ${i}: arrived on time, works well.`;
}

/** Writes a CSV of `rows` rows (header `id,text`) to `file`; resolves once it is on disk. */
export async function writeRowsCsv(file, rows) {
  const out = createWriteStream(file);
  let chunk = 'id,text\n';
  for (let i = 0; i < rows; i++) {
    chunk += `${i},"${rowText(i)}"\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
