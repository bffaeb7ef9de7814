/**
 * The retry policy: the one place llmap decides whether and when to call again. SDK clients are
 * built with retries off so attempts never multiply.
 */
import type { ProviderError } from '../errors.js';

/** How retries are spaced. */
export interface RetryPolicy {
  /** Attempts per row, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt, before jitter. */
  baseDelayMs: number;
  /** Cap on the exponential delay. */
  maxDelayMs: number;
  /** A server-requested delay longer than this is not trusted; the exponential delay is used instead. */
  maxRetryAfterMs: number;
  /** Source of jitter in [0, 1). */
  random: () => number;
}

/** Defaults: 5 attempts, 0.5 s doubling to 30 s, retry-after honoured up to 2 minutes. */
export function defaultRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxAttempts: 5,
    baseDelayMs: 500,
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
  return backoffDelay(policy, attempt);
}

/** The exponential delay (with jitter) after `attempt` (1-based) failed, whatever the server asked. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // "Equal jitter": at least half the exponential delay, so backoff still grows.
  return Math.round(exp / 2 + (exp / 2) * policy.random());
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
