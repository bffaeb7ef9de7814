import { randomBytes } from 'node:crypto';
import { close, createWriteStream, fsync, open } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { BackpressuredWriter, type ByteTarget } from './byte-target.js';
import { fsErrorText } from './fs-error-text.js';

/**
 * Writes a file atomically: bytes go to a hidden temp file beside the target, and finish() fsyncs and
 * renames it onto the target, so the target path never holds a half-written table. A missing or
 * unwritable folder is a UsageError here, before any row is processed.
 */
export async function openFileTarget(path: string): Promise<ByteTarget> {
  const folder = dirname(path);
  const folderInfo = await stat(folder).catch(() => undefined);
  if (folderInfo === undefined || !folderInfo.isDirectory()) {
    throw new UsageError(`cannot write '${path}': folder '${folder}' does not exist`);
  }
  if ((await stat(path).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`cannot write '${path}': it is a folder`);
  }
  await removeStaleTemps(folder, basename(path));
  const temp = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.llmap-tmp`);
  let fd: number;
  try {
    fd = await promisify(open)(temp, 'wx');
  } catch (err) {
    throw new UsageError(`cannot write '${path}': ${fsErrorText(err)} in folder '${folder}'`);
  }
  const writer = new BackpressuredWriter(
    // A numeric fd, not a FileHandle: a FileHandle stream holds the handle open until it closes it.
    createWriteStream(temp, { fd, autoClose: false, highWaterMark: 256 * 1024 }),
    (err) => new UsageError(`cannot write '${path}': ${fsErrorText(err)}`),
  );
  let state: 'open' | 'finished' | 'aborted' = 'open';
  let fdOpen = true;
  const closeFd = async (): Promise<void> => {
    if (!fdOpen) return;
    fdOpen = false;
    await promisify(close)(fd);
  };

  // destroy() closes the fd itself, autoClose or not. Closing it again was a double close: by then
  // the number could belong to a new socket, whose fd was closed under libuv, which aborts the
  // process (SIGABRT, seen when a 401 stopped a run while calls were connecting).
  const destroyStream = (): Promise<void> =>
    new Promise((resolve) => {
      fdOpen = false;
      if (writer.stream.closed) return resolve();
      writer.stream.once('close', () => resolve());
      writer.stream.destroy();
    });

  const endStream = (): Promise<void> =>
    // Not stream.end() with a callback that checks writer.error: a write error (ENOSPC) reaches that
    // callback before the 'error' event reaches the writer, so the failure went unseen.
    writer.end();

  return {
    name: path,
    write: (chunk) => writer.write(chunk),
    async finish() {
      if (state !== 'open') throw new Error(`'${path}' was already ${state}`);
      try {
        await endStream();
        await promisify(fsync)(fd);
        await closeFd();
        await rename(temp, path);
        // A .partial an earlier stopped run left here is stale now that the whole table is written.
        await unlink(`${path}.partial`).catch(() => undefined);
      } catch (err) {
        throw writer.error ?? new UsageError(`cannot write '${path}': ${fsErrorText(err)}`);
      }
      state = 'finished';
    },
    async abort(keepPartial = false) {
      if (state !== 'open') return undefined;
      state = 'aborted';
      if (keepPartial) await endStream().catch(() => undefined);
      else await destroyStream();
      await closeFd().catch(() => undefined);
      if (keepPartial) {
        const partial = `${path}.partial`;
        if (await rename(temp, partial).then(() => true, () => false)) return partial;
      }
      await unlink(temp).catch(() => undefined);
      return undefined;
    },
  };
}

/**
 * Removes temp files of earlier runs on the same target whose process is gone (killed with -9, or
 * the machine lost power): nothing else would ever clean them up. A temp file whose process still
 * runs, or whose process id was reused, is left alone.
 */
async function removeStaleTemps(folder: string, base: string): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const prefix = `.${base}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.llmap-tmp')) continue;
    const match = /^(\d+)\.[0-9a-f]+\.llmap-tmp$/.exec(name.slice(prefix.length));
    if (match === null || Number(match[1]) === process.pid || isAlive(Number(match[1]))) continue;
    await unlink(join(folder, name)).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
