/**
 * A block of lines redrawn in place at the bottom of a terminal: each draw moves the cursor back to
 * the first line of the previous block, erases to the end of the screen and writes the new block in
 * one write, so lines of any count (two, three when a hold is shown) replace each other cleanly.
 */

// CSI sequences (ECMA-48): cursor up n, erase from the cursor to the end of the screen.
const up = (n: number): string => (n > 0 ? `\x1b[${n}A` : '');
const ERASE_DOWN = '\x1b[J';

/** The lines last drawn, and how to replace or remove them. */
export class TtyFrame {
  private drawnLines = 0;
  private last = '';

  constructor(private readonly stream: NodeJS.WritableStream) {}

  /** Replaces the block with `lines` (nothing is written when they are unchanged). */
  draw(lines: string[]): void {
    const text = lines.join('\n');
    if (text === this.last && this.drawnLines > 0) return;
    this.stream.write(this.home() + ERASE_DOWN + text);
    this.last = text;
    this.drawnLines = lines.length;
  }

  /** Removes the block and leaves the cursor at the start of its first line. */
  clear(): void {
    if (this.drawnLines === 0) return;
    this.stream.write(this.home() + ERASE_DOWN);
    this.drawnLines = 0;
    this.last = '';
  }

  // The cursor sits at the end of the block's last line; lines never reach the last column, so none wrapped.
  private home(): string {
    return this.drawnLines > 0 ? `${up(this.drawnLines - 1)}\r` : '';
  }
}
