/**
 * --max-cost: watches the usage of finished rows and says once when the spend reaches the limit.
 * Only rows answered by the provider in this run count (a failed row may still have been billed);
 * cached rows cost nothing.
 */
import type { RowOutcome, RunObserver } from '../engine/events.js';
import type { Price } from './price-table.js';

/** A RunObserver that calls `onReached` the first time the spend reaches `maxUsd`. */
export class SpendLimit implements RunObserver {
  private spentUsd = 0;
  private reached = false;

  constructor(
    private readonly price: Price,
    /** The limit, in US dollars. */
    readonly maxUsd: number,
    private readonly onReached: (spentUsd: number) => void,
  ) {}

  /** US dollars spent so far, unrounded. */
  get spent(): number {
    return this.spentUsd;
  }

  /** Adds a finished row's usage; arrow field so it survives being passed around unbound. */
  onRowDone = (outcome: RowOutcome): void => {
    if (outcome.status !== 'sent' && outcome.status !== 'failed') return;
    const input = outcome.usage.inputTokens ?? 0;
    const output = outcome.usage.outputTokens ?? 0;
    this.spentUsd += (input * this.price.input + output * this.price.output) / 1e6;
    // A nano-dollar of slack: float sums such as 0.006 + 0.004 may land just below 0.01.
    if (!this.reached && this.spentUsd >= this.maxUsd - 1e-9) {
      this.reached = true;
      this.onReached(this.spentUsd);
    }
  };
}
