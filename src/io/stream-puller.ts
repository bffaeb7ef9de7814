import type { Readable } from 'node:stream';

/**
 * Pulls objects from an object-mode Readable with `read()`, waiting only when its buffer is empty, so
 * rows cost no promise each (Node's own async iterator adds a layer per item).
 */
export class StreamPuller<T> {
  private ended = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    const resume = (): void => {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    };
    stream.on('readable', resume);
    stream.on('end', () => {
      this.ended = true;
      resume();
    });
    stream.on('error', (err) => {
      this.failure ??= err;
      resume();
    });
    stream.on('close', resume);
  }

  /** The next object, or undefined at the end; throws the stream's error. */
  async next(): Promise<T | undefined> {
    for (;;) {
      const item = this.read();
      if (item !== undefined) return item;
      if (!(await this.wait())) return undefined;
    }
  }

  /** The next object already buffered, or undefined when none is (call wait() then). */
  read(): T | undefined {
    if (this.failure !== undefined) throw this.failure;
    const item = this.stream.read() as T | null;
    return item === null ? undefined : item;
  }

  /** Waits until more may be read; false at the end. Throws the stream's error. */
  async wait(): Promise<boolean> {
    if (this.failure === undefined && !this.ended && !this.stream.destroyed) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure !== undefined) throw this.failure;
    return !this.ended && !this.stream.destroyed;
  }
}
