import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { BatchedWrites } from './batched-writes.js';

// Loaded by the first display on a terminal: piped, logged and quiet runs (and their start-up
// time) do without it and its string-width dependencies.
const require = createRequire(import.meta.url);
let library: typeof cliProgress | undefined;
const loadCliProgress = (): typeof cliProgress => (library ??= require('cli-progress') as typeof cliProgress);

// cli-progress redraws on its own timer, this many times a second.
const FPS = 10;

/**
 * Lines redrawn in place at the bottom of a terminal by a cli-progress MultiBar, one bar per line:
 * before each redraw `picture()` gives the lines, and each bar's format returns its line as given
 * (cli-progress cuts a line at the terminal width, which it reads on every redraw; the picture's
 * lines are made to fit, so none is cut). Bars are added when the picture gains a line (a hold
 * notice) and removed when it loses one, cli-progress erasing the line left below.
 */
export class ProgressBlock {
  private readonly out: BatchedWrites;
  private readonly multibar: cliProgress.MultiBar;
  private readonly bars: cliProgress.SingleBar[] = [];
  private lines: string[] = [];
  private removing = false;

  constructor(
    stream: NodeJS.WritableStream & { columns?: number },
    private readonly picture: () => string[],
  ) {
    this.out = new BatchedWrites(stream);
    this.multibar = new (loadCliProgress().MultiBar)({
      stream: this.out as unknown as NodeJS.WritableStream,
      fps: FPS,
      // Every line is written on every redraw: after a resize or a message printed above, a line
      // cli-progress thinks unchanged is no longer on screen where it was.
      forceRedraw: true,
      // Erased on stop, so the summary starts on a clean line.
      clearOnComplete: true,
      // Line wrap and the cursor are left as they are, so a crash cannot leave the terminal changed;
      // signals are the CLI's to handle.
      linewrap: true,
      hideCursor: false,
      gracefulExit: false,
    });
    this.multibar.on('update-pre', () => this.prepare());
    this.multibar.on('update-post', () => this.settle());
    this.multibar.on('stop', () => this.out.flush());
    // The first bar starts cli-progress's timer; the picture's other lines are added as it is drawn.
    this.addBar();
    this.redraw();
  }

  /** Draws the picture now (cli-progress's timer draws it again a tenth of a second later). */
  redraw(): void {
    this.multibar.update();
  }

  /** Stops redrawing and erases the lines, leaving the cursor at the start of the first. */
  stop(): void {
    this.multibar.stop();
  }

  // Bars added while the MultiBar runs join its next redraw without starting a second timer.
  private prepare(): void {
    this.lines = this.picture();
    while (this.bars.length < this.lines.length) this.addBar();
  }

  private settle(): void {
    // remove() redraws the remaining lines and then erases the one left below: one write for all of it.
    if (this.removing) return;
    this.removing = true;
    while (this.bars.length > Math.max(1, this.lines.length)) this.multibar.remove(this.bars.pop()!);
    this.removing = false;
    this.out.flush();
  }

  private addBar(): void {
    const line = this.bars.length;
    this.bars.push(this.multibar.create(1, 0, undefined, { format: () => this.lines[line] ?? '' }));
  }
}
