/** Wakes whoever waits whenever something changed; a waiter re-checks its condition itself. */
export class Wakeup {
  private waiters: Array<() => void> = [];

  /** Resolves at the next notify(). */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes every waiter. */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
