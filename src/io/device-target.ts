import { createWriteStream, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { BackpressuredWriter, type ByteTarget } from './byte-target.js';
import { fsErrorText } from './fs-error-text.js';

/**
 * Whether `path` exists and is not a regular file or folder: /dev/null, /dev/stdout, a FIFO or a
 * process substitution (/dev/fd/63). Such a target is written in place: a temp file renamed onto
 * it would replace the device node itself (as root, /dev/null would become a regular file).
 */
export function isSpecialFile(path: string): boolean {
  try {
    const info = statSync(path);
    return !info.isFile() && !info.isDirectory();
  } catch {
    return false;
  }
}

/** Writes straight to a device or pipe; nothing to rename, nothing to keep on abort. */
export function openDeviceTarget(path: string): ByteTarget {
  const stream = createWriteStream(path, { flags: 'w' });
  const writer = new BackpressuredWriter(stream, (err) => new UsageError(`cannot write '${path}': ${fsErrorText(err)}`));
  const end = () => writer.end();
  return {
    name: path,
    write: (chunk) => writer.write(chunk),
    finish: end,
    abort: async () => {
      await end().catch(() => undefined);
      return undefined;
    },
  };
}
