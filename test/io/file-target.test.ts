import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

// Counts the closes llmap makes itself (the write stream closes with its own reference to fs), to
// pin that no fd is closed twice: a double close can close a socket that reused the number under
// libuv, which then aborts the process.
const closes = new Map<number, number>();
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const close = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    closes.set(fd, (closes.get(fd) ?? 0) + 1);
    return fs.close(fd, cb);
  };
  return { ...fs, close, default: { ...fs, close } };
});

const { openFileTarget } = await import('../../src/io/file-target.js');

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The fds of this process open on files under `folder`. */
function fdsUnder(folder: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(folder);
    } catch {
      return false;
    }
  });
}

it('abort without keeping the partial file closes its fd once (the stream does) and leaves nothing behind', async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'llmap-target-'));
  const out = path.join(dir, 'out.csv');
  closes.clear();
  const target = await openFileTarget(out);
  await target.write(Buffer.from('a,b\n'));
  expect(fdsUnder(dir)).toHaveLength(1);
  expect(await target.abort(false)).toBeUndefined();
  // Destroying the stream closed the fd; llmap must not close that number again.
  expect(fdsUnder(dir)).toEqual([]);
  expect([...closes.values()]).toEqual([]);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir)).toEqual([]);
});

it('abort keeping the partial file closes its fd once and keeps what was written', async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'llmap-target-'));
  const out = path.join(dir, 'out.csv');
  closes.clear();
  const target = await openFileTarget(out);
  await target.write(Buffer.from('a,b\n'));
  expect(await target.abort(true)).toBe(`${out}.partial`);
  expect(fdsUnder(dir)).toEqual([]);
  expect([...closes.values()]).toEqual([1]);
  expect(readdirSync(dir)).toEqual(['out.csv.partial']);
});
