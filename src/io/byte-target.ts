import type { Writable } from 'node:stream';
import { OutputClosedError } from '../errors.js';

/** Where encoded table bytes go: a file written atomically, or stdout. */
export interface ByteTarget {
  /** The path, or 'stdout', for messages. */
  readonly name: string;
  /** Writes bytes; resolves when more may be written (backpressure). */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Flushes everything written; for a file, also fsyncs and renames it onto the target. */
  finish(): Promise<void>;
  /** Gives up; for a file, removes the temp file or keeps it as `<target>.partial` (returned). */
  abort(keepPartial?: boolean): Promise<string | undefined>;
}

/** Shared by every write that needs no waiting, so the common case allocates nothing. */
export const DONE: Promise<void> = Promise.resolve();

/**
 * Writes to a Node Writable with backpressure: write() resolves at once while the stream buffer has
 * room, else after 'drain'. Stream errors are kept (never thrown as uncaught 'error' events) and make
 * every later call reject with `toError(err)`.
 */
export class BackpressuredWriter {
  private failure: Error | undefined;
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  constructor(
    readonly stream: Writable,
    private readonly toError: (err: unknown) => Error,
  ) {
    stream.on('error', (err) => this.fail(err));
    stream.on('drain', () => this.settle());
    // A stream closed under us (destroyed) would otherwise leave writers waiting for a 'drain' forever.
    stream.on('close', () => this.settle());
  }

  /** The first error the stream reported, mapped. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Writes a chunk; see the class doc. A stream destroyed by its own error (ENOSPC) reports that
   * error: it can be destroyed before its 'error' event reached fail().
   */
  write(chunk: Uint8Array | string): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.stream.destroyed) return Promise.reject(this.fail(this.stream.errored ?? new OutputClosedError()));
    if (this.stream.write(chunk)) return DONE;
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Resolves once every chunk written so far has been handed to the OS. */
  flushed(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.stream.destroyed) return Promise.reject(this.fail(this.stream.errored ?? new OutputClosedError()));
    // The callback of an empty write runs after all earlier writes completed, in order.
    return new Promise((resolve, reject) =>
      this.stream.write(Buffer.alloc(0), (err) => (err ? reject(this.fail(err)) : resolve())),
    );
  }

  /** Ends the stream; resolves once everything written is flushed, rejects with the mapped error. */
  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      // end's callback receives a write error (ENOSPC) before the 'error' event reaches fail().
      this.stream.end((err?: Error | null) => (err ? reject(this.fail(err)) : this.failure !== undefined ? reject(this.failure) : resolve()));
    });
  }

  /** Records the first failure and wakes waiting writers with it. */
  fail(err: unknown): Error {
    this.failure ??= this.toError(err);
    this.settle();
    return this.failure;
  }

  private settle(): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    const error = this.failure ?? (this.stream.destroyed ? this.toError(new OutputClosedError()) : undefined);
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }
}
