import type { HoldEvent } from '../engine/events.js';

/** The hold the display mentions: the one that ends last, while it lasts. */
export class WaitNotice {
  private what = '';
  private until = 0;

  constructor(private readonly now: () => number) {}

  /** Notes a hold starting now. */
  onHold = (event: HoldEvent): void => {
    // Holds under a second pass before anyone could read about them.
    if (event.ms < 1000) return;
    const until = this.now() + event.ms;
    if (until >= this.until) {
      this.until = until;
      this.what = event.waitingFor;
    }
  };

  /** What the run waits for and how long is left, or undefined when nothing holds it. */
  current(): { what: string; leftMs: number } | undefined {
    const leftMs = this.until - this.now();
    return leftMs > 0 ? { what: this.what, leftMs } : undefined;
  }
}
