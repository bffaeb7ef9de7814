/**
 * The request lines of a batch run, on disk instead of in memory: each distinct request's line is
 * appended to a temp file as the input streams by, and read back by key when a batch is created or
 * a failed request resubmitted. Memory holds each key's place in the file, never the requests.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class RequestSpool {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'llmap-batch-'));
  private readonly fd = openSync(path.join(this.dir, 'requests.jsonl'), 'w+');
  /** Each key's line as [byte offset, byte length]. */
  private readonly places = new Map<string, [number, number]>();
  private end = 0;
  private closed = false;

  /** The folder of the temp file (tests look at it). */
  get folder(): string {
    return this.dir;
  }

  has(key: string): boolean {
    return this.places.has(key);
  }

  /** Appends the line of `key` (the first one only: identical requests are sent once). */
  add(key: string, line: string): void {
    if (this.places.has(key)) return;
    const bytes = Buffer.from(line + '\n');
    writeSync(this.fd, bytes, 0, bytes.length, this.end);
    this.places.set(key, [this.end, bytes.length - 1]);
    this.end += bytes.length;
  }

  /** The line of `key`, or undefined when this run never saw its request. */
  line(key: string): string | undefined {
    const place = this.places.get(key);
    if (!place) return undefined;
    const bytes = Buffer.alloc(place[1]);
    readSync(this.fd, bytes, 0, place[1], place[0]);
    return bytes.toString('utf8');
  }

  /** Removes the temp file; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
