/**
 * Whether --output would overwrite the input. Paths are compared after resolving, and existing
 * files by device and inode too, so a symlink or hard link to the input is caught as well.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** Throws UsageError when `output` names the same file as `input` ('-' names neither). */
export function checkOutputIsNotInput(input: string, output: string): void {
  if (output === '-' || input === '-') return;
  if (path.resolve(output) === path.resolve(input) || sameInode(input, output)) {
    throw new UsageError(`--output '${output}' is the input file; write to another path`);
  }
}

function sameInode(a: string, b: string): boolean {
  const x = statSync(a, { throwIfNoEntry: false });
  const y = statSync(b, { throwIfNoEntry: false });
  // Devices (/dev/null, FIFOs) are written in place and never replaced, so they are not "the input".
  return x !== undefined && y !== undefined && x.isFile() && x.dev === y.dev && x.ino === y.ino;
}
