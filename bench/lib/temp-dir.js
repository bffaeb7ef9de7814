/** A scratch folder for one benchmark, removed however the benchmark ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup.js';

/** Runs `work(dir)` in a fresh temp folder and removes the folder afterwards (also on Ctrl-C). */
export async function withTempDir(work) {
  const dir = mkdtempSync(path.join(tmpdir(), 'llmap-bench-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const forget = onCleanup(remove);
  try {
    return await work(dir);
  } finally {
    forget();
    remove();
  }
}
