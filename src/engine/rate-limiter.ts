/**
 * Client-side pacing: a requests bucket and a tokens bucket, set by --rpm/--tpm or by the limits
 * the provider states in its rate-limit headers, plus a global pause when a server says "retry
 * after". Every attempt takes a lease first (in FIFO order, retries ahead) and releases it with
 * what the response said.
 *
 * Providers state limits per minute and count at admission, so a response's `remaining` is what
 * the server had left when it took the request: requests we started after it are subtracted, what
 * refilled since it was sent is added back, and 100 ms' worth is held back against arrival jitter.
 * Answers older than one already applied are ignored. When no limit is stated but `remaining` runs
 * out, new requests wait for the stated reset.
 *
 * A window is per minute unless the response says otherwise (Groq counts requests per day): its
 * rate is the limit over the window's period, and a window longer than a minute may be spent in
 * one go (its burst is the whole limit; `remaining` keeps the count). When a server enforces a limit
 * it never states (429s, no headers), the run infers the rate from what got through (infer()),
 * paces to it smoothly, creeps up 5% every 5 s in case the guess was low, and steps down 5% (at
 * most once a second) on a 429 that says it is now too high.
 */
import type { RateLimitInfo, RateLimitWindow } from '../providers/provider.js';
import { AbortGroups } from '../abort-groups.js';
import { TokenBucket, burstFor } from './token-bucket.js';

const RESERVE_MS = 100;
const MINUTE_MS = 60_000;
/** An inferred rate grows by GROWTH every GROW_EVERY_MS without a new inference. */
const GROWTH = 1.05;
const GROW_EVERY_MS = 5_000;
/** A 429 under an inferred rate cuts it by CUT, at most once per CUT_EVERY_MS. */
const CUT = 0.95;
const CUT_EVERY_MS = 1_000;

/** User limits; each one given wins over the rate the server states (its `remaining` still counts). */
export interface RateLimiterOptions {
  /** --rpm: requests per minute. */
  requestsPerMinute?: number;
  /** --tpm: tokens (input + output) per minute. */
  tokensPerMinute?: number;
  /** Monotonic ms clock (default performance.now). */
  now?: () => number;
}

/** How a leased request ended. */
export interface LeaseOutcome {
  /** Tokens it really used (usage in + out); omitted = keep the estimate. */
  tokens?: number;
  /** The server refused it (429): it used no tokens. */
  refused?: boolean;
  /** The limits the response headers stated. */
  rateLimit?: RateLimitInfo;
}

/** Permission for one request; release it once, when the response (or error) is in. */
export interface Lease {
  release(outcome?: LeaseOutcome): void;
}

interface Waiter {
  tokens: number;
  first: boolean;
  resolve(lease: Lease): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  abort(reason: unknown): void;
}

// One abort listener per signal, however many requests wait on it.
const waiting = new AbortGroups<Waiter>();

/** Paces requests to the user's and the server's limits. */
export class RateLimiter {
  private readonly now: () => number;
  private requests: TokenBucket | undefined;
  private tokens: TokenBucket | undefined;
  private readonly userRpm: boolean;
  private readonly userTpm: boolean;
  private pausedUntil = 0;
  // When the latest pause() began (a pause extended while on is the same pause).
  private pauseBegan = -Infinity;
  private readonly queue: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  // Sequence of leases and running sum of their estimated tokens, to tell which requests a
  // response's `remaining` cannot have counted yet.
  private seq = 0;
  private tokensIssued = 0;
  private syncedSeq = 0;
  // When the requests rate was inferred (undefined: stated by a flag or the server, or unknown).
  private inferredAt: number | undefined;
  private cutAt = -Infinity;

  constructor(opts: RateLimiterOptions = {}) {
    this.now = opts.now ?? (() => performance.now());
    const t = this.now();
    this.userRpm = opts.requestsPerMinute !== undefined;
    this.userTpm = opts.tokensPerMinute !== undefined;
    if (opts.requestsPerMinute !== undefined) this.requests = bucket(opts.requestsPerMinute, t);
    if (opts.tokensPerMinute !== undefined) this.tokens = bucket(opts.tokensPerMinute, t);
  }

  /** Requests per minute being paced to (undefined = no limit known). */
  get requestsPerMinute(): number | undefined {
    return this.requests?.perMinute;
  }

  /** Tokens per minute being paced to (undefined = no limit known). */
  get tokensPerMinute(): number | undefined {
    return this.tokens?.perMinute;
  }

  /** Whether a rate is known (from a flag or the headers): pacing, not concurrency, keeps to it. */
  get pacing(): boolean {
    return this.requests !== undefined || this.tokens !== undefined;
  }

  /**
   * Waits for a turn to send a request estimated at `tokens` (`first`: ahead of every request that
   * is not, for retries); rejects with the signal's reason on abort.
   */
  acquire(tokens: number, signal: AbortSignal, first = false): Promise<Lease> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const lease = this.tryAcquire(tokens);
    if (lease) return Promise.resolve(lease);
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        tokens,
        first,
        resolve,
        reject,
        signal,
        abort: (reason) => {
          const at = this.queue.indexOf(waiter);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(reason);
          if (at === 0) this.reschedule();
        },
      };
      const at = first ? this.queue.findIndex((w) => !w.first) : -1;
      this.queue.splice(at < 0 ? this.queue.length : at, 0, waiter);
      waiting.add(signal, waiter);
      if (this.queue[0] === waiter) this.reschedule();
    });
  }

  /** A turn now (`now`: the clock, when the caller has just read it) if no wait is due and nobody is queued; undefined otherwise (then call acquire). */
  tryAcquire(tokens: number, now = this.now()): Lease | undefined {
    return this.queue.length === 0 && this.waitMs(tokens, now) === 0 ? this.grant(tokens, now) : undefined;
  }

  /**
   * A server refuses calls at a limit it does not state: pace requests to `perMinute` from now on,
   * one at a time (no burst), unless a flag or the server's headers give the rate.
   */
  infer(perMinute: number): void {
    if (this.userRpm || (this.requests && this.inferredAt === undefined) || !(perMinute > 0)) return;
    const now = this.now();
    if (this.requests) this.requests.setRate(perMinute, 1, now);
    else this.requests = new TokenBucket(perMinute, 1, now);
    this.inferredAt = now;
    this.reschedule();
  }

  /** A 429 arrived: under an inferred rate, the guess is too high now (a stated or user rate is kept). */
  refused(): void {
    const now = this.now();
    if (this.inferredAt === undefined || !this.requests || now - this.cutAt < CUT_EVERY_MS) return;
    this.cutAt = now;
    this.inferredAt = now;
    this.requests.setRate(this.requests.perMinute * CUT, 1, now);
  }

  /** Holds every new request for `ms` (a server said retry-after: nobody should hammer it meanwhile). */
  pause(ms: number): void {
    const now = this.now();
    if (now >= this.pausedUntil) this.pauseBegan = now;
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
    this.reschedule();
  }

  /** Milliseconds of [from, to] during which pause() held every request (its latest pause). */
  pausedWithin(from: number, to: number): number {
    return Math.max(0, Math.min(to, this.pausedUntil) - Math.max(from, this.pauseBegan));
  }

  private grant(tokens: number, now: number): Lease {
    if (this.inferredAt !== undefined && now - this.inferredAt >= GROW_EVERY_MS && this.requests) {
      this.requests.setRate(this.requests.perMinute * GROWTH, 1, now);
      this.inferredAt = now;
    }
    this.requests?.take(1, now);
    this.tokens?.take(tokens, now);
    const seq = ++this.seq;
    this.tokensIssued += tokens;
    return new Turn(this, tokens, seq, this.tokensIssued, now);
  }

  /** A granted turn is over (its release(), once): the answer's usage and headers update the limits. */
  turnOver(turn: Turn, outcome: LeaseOutcome): void {
    const used = outcome.refused ? 0 : outcome.tokens;
    // Nothing paced, stated or waiting (a local provider, a server stating no limits): nothing to do.
    if (!this.tokens && !outcome.rateLimit && this.queue.length === 0) return;
    const at = this.now();
    if (used !== undefined) this.tokens?.take(used - turn.tokens, at);
    if (outcome.rateLimit && turn.seq > this.syncedSeq) {
      this.syncedSeq = turn.seq;
      const newer = { requests: this.seq - turn.seq, tokens: this.tokensIssued - turn.issuedThrough };
      this.sync(outcome.rateLimit, newer, at - turn.sentAt, at);
    }
    this.reschedule();
  }

  private sync(info: RateLimitInfo, newer: { requests: number; tokens: number }, sinceSentMs: number, now: number): void {
    if (info.requests) {
      if (!this.userRpm) {
        const stated = follow(this.inferredAt === undefined ? this.requests : undefined, info.requests, now);
        if (stated) {
          this.requests = stated;
          this.inferredAt = undefined;
        }
      }
      this.syncWindow(this.requests, info.requests, newer.requests, sinceSentMs, now);
    }
    if (info.tokens) {
      if (!this.userTpm) this.tokens = follow(this.tokens, info.tokens, now);
      this.syncWindow(this.tokens, info.tokens, newer.tokens, sinceSentMs, now);
    }
  }

  private syncWindow(b: TokenBucket | undefined, w: RateLimitWindow, newer: number, sinceSentMs: number, now: number): void {
    if (w.remaining === undefined) return;
    const left = w.remaining - newer;
    // 100 ms of the rate is kept in hand: requests paced to the exact rate arrive bunched up now and
    // then (a stalled event loop, a new connection), and a server at zero refuses the second one.
    if (b) b.clamp(left + ((sinceSentMs - RESERVE_MS) * b.perMinute) / 60_000, now);
    else if (left <= 0 && w.resetMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + w.resetMs);
  }

  private waitMs(tokens: number, now: number): number {
    return Math.max(
      this.pausedUntil - now,
      this.requests?.waitMs(1, now) ?? 0,
      this.tokens?.waitMs(tokens, now) ?? 0,
      0,
    );
  }

  private reschedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
  }

  private pump = (): void => {
    this.timer = undefined;
    const now = this.now();
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const wait = this.waitMs(head.tokens, now);
      if (wait > 0) {
        this.timer = setTimeout(this.pump, Math.ceil(wait));
        return;
      }
      this.queue.shift();
      waiting.remove(head.signal, head);
      head.resolve(this.grant(head.tokens, now));
    }
  };
}

function bucket(perMinute: number, now: number): TokenBucket {
  return new TokenBucket(perMinute, burstFor(perMinute), now);
}

/** The bucket for a server-stated limit: created, or re-rated when the limit changed. */
function follow(b: TokenBucket | undefined, w: RateLimitWindow, now: number): TokenBucket | undefined {
  if (w.limit === undefined || w.limit <= 0) return b;
  const periodMs = w.periodMs ?? MINUTE_MS;
  const perMinute = (w.limit * MINUTE_MS) / periodMs;
  // A minute's limit is paced smoothly (servers refill it continuously); a day's may be spent now.
  const burst = periodMs > MINUTE_MS ? w.limit : burstFor(perMinute);
  if (!b) return new TokenBucket(perMinute, burst, now);
  if (Math.abs(b.perMinute - perMinute) > 1e-6 * perMinute) b.setRate(perMinute, burst, now);
  return b;
}

/**
 * A granted turn: a class, so that each request costs one small object rather than a closure and
 * its context. `seq` and `issuedThrough` tell which later requests a response's `remaining` cannot
 * have counted yet.
 */
class Turn implements Lease {
  private released = false;

  constructor(
    private readonly limiter: RateLimiter,
    readonly tokens: number,
    readonly seq: number,
    readonly issuedThrough: number,
    readonly sentAt: number,
  ) {}

  release(outcome: LeaseOutcome = {}): void {
    if (this.released) return;
    this.released = true;
    this.limiter.turnOver(this, outcome);
  }
}
