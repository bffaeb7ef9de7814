/**
 * The retry policy: the one place llmap decides whether and when to call again. SDK clients are
 * built with retries off so attempts never multiply.
 */
import { AbortGroups } from '../abort-groups.js';
import type { ProviderError } from '../errors.js';

/** How retries are spaced. */
export interface RetryPolicy {
  /** Attempts per row, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt, before jitter (429 without retry-after, 503/529 overload). */
  baseDelayMs: number;
  /**
   * The same for a failure that says nothing about load (500, 502, 504, reset socket, timeout, bad
   * body): most of these are one unlucky request, and the row should be back before anyone misses it.
   */
  quickDelayMs: number;
  /** Cap on the exponential delay. */
  maxDelayMs: number;
  /** A server-requested delay longer than this is not trusted; the exponential delay is used instead. */
  maxRetryAfterMs: number;
  /** Source of jitter in [0, 1). */
  random: () => number;
}

/** Defaults: 5 attempts, 0.5 s (50 ms when not a load signal) doubling to 30 s, retry-after honoured up to 2 minutes. */
export function defaultRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxAttempts: 5,
    baseDelayMs: 500,
    quickDelayMs: Math.min(50, overrides.baseDelayMs ?? 50),
    maxDelayMs: 30_000,
    maxRetryAfterMs: 120_000,
    random: Math.random,
    ...overrides,
  };
}

/**
 * The delay before the next attempt after `attempt` (1-based) failed with `error`, or undefined when
 * the row must not be retried (not retryable, or out of attempts).
 */
export function retryDelay(policy: RetryPolicy, attempt: number, error: ProviderError): number | undefined {
  if (!error.retryable || attempt >= policy.maxAttempts) return undefined;
  const asked = error.retryAfterMs;
  if (asked !== undefined && asked >= 0 && asked <= policy.maxRetryAfterMs) {
    // A little jitter on top so rows told "retry in 1 s" together do not return as one burst.
    return Math.round(asked + asked * 0.1 * policy.random());
  }
  return backoffDelay(policy, attempt, quick(error) ? policy.quickDelayMs : policy.baseDelayMs);
}

/** A failure that is no sign of load: retried after the short base delay. */
function quick(error: ProviderError): boolean {
  if (error.kind === 'server') return error.status !== 503 && error.status !== 529;
  return error.kind === 'network' || error.kind === 'timeout' || error.kind === 'bad_response';
}

/** The exponential delay (with jitter) after `attempt` (1-based) failed, whatever the server asked. */
export function backoffDelay(policy: RetryPolicy, attempt: number, baseMs = policy.baseDelayMs): number {
  const exp = Math.min(policy.maxDelayMs, baseMs * 2 ** (attempt - 1));
  // "Equal jitter": at least half the exponential delay, so backoff still grows.
  return Math.round(exp / 2 + (exp / 2) * policy.random());
}

/** A timer that rejects when the signal it waits with fires. */
class Sleeper {
  timer: ReturnType<typeof setTimeout> | undefined;
  constructor(readonly reject: (reason: unknown) => void) {}
  abort(reason: unknown): void {
    clearTimeout(this.timer);
    this.reject(reason);
  }
}

// One abort listener per signal however many rows sleep on it: a listener each was Node's
// "MaxListenersExceededWarning: Possible EventTarget memory leak" once 11 rows backed off at once.
const sleepers = new AbortGroups<Sleeper>();

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const sleeper = new Sleeper(reject);
    sleepers.add(signal, sleeper);
    if (signal.aborted) return;
    sleeper.timer = setTimeout(() => {
      sleepers.remove(signal, sleeper);
      resolve();
    }, ms);
  });
}
