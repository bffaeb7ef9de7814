/**
 * Batch mode reads its input twice (the batches, then the output from the cache: map-rows-batch.ts),
 * and standard input can be read only once: it is copied to a temp file first, and each read of the
 * input reads that copy. The copy is removed when the process ends.
 */
import { createReadStream, rmSync } from 'node:fs';
import path from 'node:path';
import { spoolStdin } from '../io/spool-stdin.js';
import type { CliContext } from './context.js';

const spools = new WeakMap<CliContext, Promise<string>>();

/** What a read of the input reads as standard input: the command's own, or (batch mode) a fresh read of its copy. */
export async function inputStdin(config: { input: string; mode?: string }, cli: CliContext): Promise<NodeJS.ReadableStream> {
  if (config.mode !== 'batch' || config.input !== '-') return cli.stdin;
  let spooled = spools.get(cli);
  if (!spooled) {
    spooled = spoolStdin(cli.stdin, '').then((s) => {
      process.once('exit', () => rmSync(path.dirname(s.path), { recursive: true, force: true }));
      return s.path;
    });
    spools.set(cli, spooled);
  }
  return createReadStream(await spooled, { highWaterMark: 256 * 1024 });
}
