import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Standard input copied to a temp file, for formats that must seek (Parquet's footer is at the end). */
export interface SpooledInput {
  path: string;
  /** Removes the temp file; safe to call twice. */
  remove(): Promise<void>;
}

/** Copies `stdin` to a file in the temp folder, streaming (bounded memory, whatever its size). */
export async function spoolStdin(stdin: NodeJS.ReadableStream, suffix: string): Promise<SpooledInput> {
  const dir = await mkdtemp(join(tmpdir(), 'llmap-stdin-'));
  const path = join(dir, `stdin${suffix}`);
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(stdin, createWriteStream(path));
  } catch (err) {
    await remove();
    throw err;
  }
  return { path, remove };
}
