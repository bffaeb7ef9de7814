import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { defaultRetryPolicy, retryDelay } from '../../src/engine/retry.js';

const policy = defaultRetryPolicy({ random: () => 0.5 });

describe('retryDelay', () => {
  it('backs off exponentially with jitter, capped, from 0.5 s after a sign of load (503, 529, 429)', () => {
    for (const err of [
      new ProviderError('server', 'busy', { status: 503 }),
      new ProviderError('server', 'overloaded', { status: 529 }),
      new ProviderError('rate_limit', 'slow down', { status: 429 }),
    ]) {
      expect(retryDelay(policy, 1, err)).toBe(375); // 500 → [250, 500]
      expect(retryDelay(policy, 2, err)).toBe(750);
      expect(retryDelay(policy, 4, err)).toBe(3000);
      const capped = defaultRetryPolicy({ random: () => 0, maxAttempts: 20 });
      expect(retryDelay(capped, 15, err)).toBe(15_000);
    }
  });

  it('starts from 50 ms after a failure that says nothing about load (500, reset, timeout, bad body)', () => {
    for (const err of [
      new ProviderError('server', 'boom', { status: 500 }),
      new ProviderError('server', 'bad gateway', { status: 502 }),
      new ProviderError('network', 'reset'),
      new ProviderError('timeout', 'no answer'),
      new ProviderError('bad_response', 'invalid JSON'),
    ]) {
      expect(retryDelay(policy, 1, err)).toBe(38); // 50 → [25, 50]
      expect(retryDelay(policy, 2, err)).toBe(75);
      expect(retryDelay(policy, 4, err)).toBe(300);
    }
  });

  it('honours retry-after when sane', () => {
    const err = new ProviderError('rate_limit', 'slow down', { status: 429, retryAfterMs: 1000 });
    expect(retryDelay(defaultRetryPolicy({ random: () => 0 }), 1, err)).toBe(1000);
  });

  it('ignores an absurd retry-after and backs off instead', () => {
    const err = new ProviderError('rate_limit', 'slow down', { status: 429, retryAfterMs: 3_600_000 });
    expect(retryDelay(policy, 1, err)).toBe(375);
  });

  it('stops after the last attempt', () => {
    const err = new ProviderError('network', 'reset');
    expect(retryDelay(policy, 4, err)).toBeDefined();
    expect(retryDelay(policy, 5, err)).toBeUndefined();
  });

  it('never retries bad requests, auth failures or aborts', () => {
    for (const kind of ['bad_request', 'auth', 'aborted'] as const) {
      expect(retryDelay(policy, 1, new ProviderError(kind, 'x'))).toBeUndefined();
    }
  });
});
