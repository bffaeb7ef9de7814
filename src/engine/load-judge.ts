/**
 * Tells a limit from noise. Busy providers refuse a few calls (429) and fail a few (5xx) at random
 * while most succeed; treating each one as "too much load" (TCP's lesson: random loss read as
 * congestion collapses throughput) holds and throttles every row for nothing. So a 429 or a
 * 503/529 slows the whole run only when the evidence says the account or the server is over its
 * limit: the response's headers say nothing is left, or a large share of the recent answers were
 * refusals. Anything else is the one row's problem: it backs off on its own.
 *
 * It also keeps what a limit learned without headers needs: when the calls that got through did.
 */
import type { ProviderError } from '../errors.js';
import type { RateLimitInfo } from '../providers/provider.js';

/** Answers remembered, the most recent first out. */
const RECENT = 20;
/** Share of the recent answers that must be refusals to call it a limit. */
const SHARE = 0.5;
/**
 * Fewest refusals among the recent answers that can mean a limit. At 10% random 429s, 10 of 20
 * come together about once in 150,000 answers, 4 of the first 8 about once in 200 runs; a real
 * limit, once reached, refuses nearly every call and shows at once.
 */
const FEWEST = 4;
/** Fewest successes in the window that measure a rate. */
const MIN_SUCCESSES = 3;
/** Successes remembered for the rate a limit without headers let through. */
const SUCCESSES = 4096;

type Answer = 'ok' | 'refused' | 'overloaded' | 'other';

/** Recent answers and the verdict on each refusal. */
export class LoadJudge {
  private readonly recent: Answer[] = [];
  private next = 0;
  // A ring of success times; typed, so a million successes cost no boxing.
  private readonly okAt = new Float64Array(SUCCESSES);
  private okCount = 0;
  private okNext = 0;

  private readonly began: number;
  private scheduled = false;

  constructor(private readonly now: () => number) {
    this.began = now();
  }

  /** A call succeeded, at `at` (default now). */
  succeeded(at = this.now()): void {
    this.remember('ok');
    this.okAt[this.okNext] = at;
    this.okNext = this.okNext === SUCCESSES - 1 ? 0 : this.okNext + 1;
    if (this.okCount < SUCCESSES) this.okCount++;
  }

  /**
   * A call failed with `error`; returns whether it shows a limit (429) or an overloaded server
   * (503/529) that every row must slow down for, rather than noise for this row alone.
   */
  failed(error: ProviderError): boolean {
    const kind = answerOf(error.status);
    this.remember(kind);
    if (kind === 'refused' && exhausted(error.rateLimit)) return true;
    if (kind !== 'refused' && kind !== 'overloaded') return false;
    const same = this.recent.filter((a) => a === kind).length;
    return same >= Math.max(FEWEST, Math.ceil(SHARE * this.recent.length));
  }

  /**
   * Calls that succeeded per minute over the last `windowMs` (at least one second): under a limit
   * that states no rate, what got through while it bit is the best guess of that rate. `pausedMs`
   * of that window every request was held: the window reaches back that much further, since a
   * window spent mostly waiting measures the wait, not the limit.
   */
  successesPerMinute(windowMs: number, pausedMs = 0): number | undefined {
    // Less than a window since the start measures how fast the first answers came, not the limit:
    // a burst's refusals arrive while most of its successes are still on their way.
    if (this.untilMeasurable(windowMs) > 0) return undefined;
    const span = Math.max(1000, windowMs);
    const since = this.now() - span - pausedMs;
    let n = 0;
    for (let k = 0; k < this.okCount; k++) if (this.okAt[k] > since) n++;
    // Fewer is no measure of a rate (the run was stalled, or had barely begun).
    return n < MIN_SUCCESSES ? undefined : (n * 60_000) / span;
  }

  /** Milliseconds until a window of `windowMs` (at least a second) has passed since the start; 0 once it has. */
  untilMeasurable(windowMs: number): number {
    return Math.max(0, this.began + Math.max(1000, windowMs) - this.now());
  }

  /**
   * Runs `fn` in `ms`, unless a run is already scheduled (the first refusals of a burst all ask).
   * The timer does not keep the process alive: a run over by then has nothing left to pace.
   */
  once(ms: number, fn: () => void): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      fn();
    }, ms).unref();
  }

  private remember(answer: Answer): void {
    if (this.recent.length < RECENT) this.recent.push(answer);
    else this.recent[this.next] = answer;
    this.next = (this.next + 1) % RECENT;
  }
}

function answerOf(status: number | undefined): Answer {
  if (status === 429) return 'refused';
  if (status === 503 || status === 529) return 'overloaded';
  return 'other';
}

/** The headers say a window is used up. */
function exhausted(info: RateLimitInfo | undefined): boolean {
  return info?.requests?.remaining === 0 || info?.tokens?.remaining === 0;
}
