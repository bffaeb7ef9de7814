/**
 * The stream cli-progress draws on: it holds cli-progress's many small writes (a cursor move, each
 * line, each erase is a write of its own) until `flush()`, so a whole redraw reaches the terminal
 * in one write. A terminal then never shows half a picture, and a redraw costs one system call.
 */
export class BatchedWrites {
  /** cli-progress moves the cursor and erases only on a TTY; this stream stands in for one. */
  readonly isTTY = true;
  private pending = '';

  constructor(private readonly target: NodeJS.WritableStream & { columns?: number }) {}

  /** The terminal's width, read afresh by cli-progress on each redraw. */
  get columns(): number | undefined {
    return this.target.columns;
  }

  /** Holds `chunk` until the next flush. */
  write(chunk: string | Uint8Array): boolean {
    this.pending += String(chunk);
    return true;
  }

  /** Writes what was held, in one write. */
  flush(): void {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.target.write(text);
  }
}
