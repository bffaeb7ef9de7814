import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { fsErrorText } from './fs-error-text.js';

/** An input byte stream with the name used in messages. */
export interface InputStream {
  /** The bytes. */
  stream: Readable;
  /** The path, or 'stdin'. */
  name: string;
}

/**
 * Opens `path` ('-' = `stdin`) for streaming. File problems (missing, unreadable, a folder) become an
 * InputError before any byte is read, so the run fails before it starts.
 */
export async function openInputStream(path: string, stdin?: NodeJS.ReadableStream): Promise<InputStream> {
  if (path === '-') return { stream: (stdin ?? process.stdin) as Readable, name: 'stdin' };
  const handle = await openInputFile(path);
  return { stream: handle.createReadStream({ highWaterMark: 256 * 1024 }), name: path };
}

/** Opens a file for reading, with the same one-line InputErrors as openInputStream. */
export async function openInputFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputError(`cannot read '${path}': ${fsErrorText(err)}`);
  }
  try {
    // Opening a folder read-only succeeds on Linux; the read would fail later with EISDIR.
    const info = await handle.stat();
    if (info.isDirectory()) throw Object.assign(new Error('folder'), { code: 'EISDIR' });
    return handle;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw new InputError(`cannot read '${path}': ${fsErrorText(err)}`);
  }
}
