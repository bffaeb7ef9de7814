import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, type Lease } from '../../src/engine/rate-limiter.js';
import { TokenBucket } from '../../src/engine/token-bucket.js';
import { estimateTokens } from '../../src/engine/token-estimate.js';

const live = () => new AbortController().signal;

/** Acquires and records the (fake) time each lease was granted. */
function recorder(limiter: RateLimiter) {
  const granted: Array<[string, number]> = [];
  const leases = new Map<string, Lease>();
  const acquire = (name: string, tokens = 0, signal = live(), first = false) =>
    limiter.acquire(tokens, signal, first).then((lease) => {
      granted.push([name, Date.now()]);
      leases.set(name, lease);
      return lease;
    });
  return { granted, leases, acquire };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TokenBucket', () => {
  it('refills continuously up to its burst, and lets a request bigger than the burst through from a full bucket as a debt', () => {
    const b = new TokenBucket(600, 10, 0); // 10 per second
    b.take(10, 0);
    expect(b.waitMs(1, 0)).toBe(100);
    expect(b.available(250)).toBeCloseTo(2.5);
    expect(b.available(5_000)).toBe(10);
    expect(b.waitMs(25, 5_000)).toBe(0);
    b.take(25, 5_000);
    expect(b.available(5_000)).toBe(-15);
    expect(b.waitMs(1, 5_000)).toBe(1_600);
  });
});

describe('RateLimiter', () => {
  it('paces --rpm 120 to one request every 500 ms after a burst of 2', async () => {
    const r = recorder(new RateLimiter({ requestsPerMinute: 120, now: Date.now }));
    const all = Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => r.acquire(n)));
    await vi.advanceTimersByTimeAsync(3_000);
    await all;
    expect(r.granted).toEqual([['a', 0], ['b', 0], ['c', 500], ['d', 1000], ['e', 1500], ['f', 2000]]);
  });

  it('charges --tpm with the estimate, then refunds or charges the difference from the usage', async () => {
    const r = recorder(new RateLimiter({ tokensPerMinute: 6_000, now: Date.now })); // 100/s, burst 100
    const first = await r.acquire('a', 100);
    const second = r.acquire('b', 100); // the bucket is empty: 1 s away
    await vi.advanceTimersByTimeAsync(100);
    first.release({ tokens: 40 }); // used 60 fewer than estimated: b needs 40 more, 400 ms in
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.granted).toEqual([['a', 0], ['b', 400]]);
    (await second).release({ tokens: 250 }); // 150 over its estimate: a debt to pay back first
    const third = r.acquire('c', 50);
    await vi.advanceTimersByTimeAsync(5_000);
    await third;
    // At 1100 ms the level is 0 + 70 (refill since 400) - 150 = -80; 50 more takes (80 + 50) / 0.1 ms.
    expect(r.granted.at(-1)).toEqual(['c', 2_400]);
  });

  it('refunds a refused request and keeps the estimate when usage is unknown', async () => {
    const r = recorder(new RateLimiter({ tokensPerMinute: 6_000, now: Date.now }));
    (await r.acquire('a', 100)).release({ refused: true, tokens: 100 });
    (await r.acquire('b', 100)).release();
    const c = r.acquire('c', 100);
    await vi.advanceTimersByTimeAsync(2_000);
    await c;
    expect(r.granted).toEqual([['a', 0], ['b', 0], ['c', 1_000]]);
  });

  it('with no flags, paces to the limit the server states, counting requests it had not yet seen', async () => {
    const limiter = new RateLimiter({ now: Date.now });
    const r = recorder(limiter);
    await Promise.all([r.acquire('a'), r.acquire('b')]); // nothing known yet: both go at once
    await vi.advanceTimersByTimeAsync(100);
    // 60/min, and none left when a was admitted: b (sent after a) is one more, 0.1 refilled since a
    // was sent, and 0.1 (100 ms' worth) is held back: the bucket is at -1.
    r.leases.get('a')!.release({ rateLimit: { requests: { limit: 60, remaining: 0, resetMs: 60_000 } } });
    expect(limiter.requestsPerMinute).toBe(60);
    const rest = Promise.all([r.acquire('c'), r.acquire('d'), r.acquire('e')]);
    await vi.advanceTimersByTimeAsync(5_000);
    await rest;
    expect(r.granted.slice(2)).toEqual([['c', 2_100], ['d', 3_100], ['e', 4_100]]);
  });

  it('a per-day window may be spent at once: its burst is what remains, its rate the limit over a day', async () => {
    const limiter = new RateLimiter({ now: Date.now });
    const r = recorder(limiter);
    await r.acquire('a');
    r.leases.get('a')!.release({ rateLimit: { requests: { limit: 14_400, remaining: 6, resetMs: 600_000, periodMs: 86_400_000 } } });
    expect(limiter.requestsPerMinute).toBe(10);
    const names = ['b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const rest = Promise.all(names.map((n) => r.acquire(n)));
    await vi.advanceTimersByTimeAsync(10_000);
    await rest;
    // The 6 left go at once (not one per 6 s; the last after the 100 ms' worth held back), the
    // seventh waits for the refill of 10 a minute.
    expect(r.granted.slice(1, 6).every(([, t]) => t === 0)).toBe(true);
    expect(r.granted[6][1]).toBeLessThanOrEqual(100);
    expect(r.granted[7][1]).toBeGreaterThanOrEqual(5_000);
  });

  it('paces to a rate inferred from 429s, smoothly, and creeps up 5% every 5 s, steps down 5% on a 429; a stated rate wins', async () => {
    const limiter = new RateLimiter({ now: Date.now });
    const r = recorder(limiter);
    limiter.infer(600);
    const rest = Promise.all(['a', 'b', 'c'].map((n) => r.acquire(n)));
    await vi.advanceTimersByTimeAsync(1_000);
    await rest;
    expect(r.granted).toEqual([['a', 0], ['b', 100], ['c', 200]]);
    await vi.advanceTimersByTimeAsync(5_000);
    await r.acquire('d');
    expect(limiter.requestsPerMinute).toBeCloseTo(630);
    limiter.refused();
    expect(limiter.requestsPerMinute).toBeCloseTo(630 * 0.95);
    limiter.refused(); // at most one cut a second
    expect(limiter.requestsPerMinute).toBeCloseTo(630 * 0.95);
    r.leases.get('d')!.release({ rateLimit: { requests: { limit: 1200, remaining: 1000 } } });
    expect(limiter.requestsPerMinute).toBe(1200);
    limiter.infer(60);
    limiter.refused();
    expect(limiter.requestsPerMinute).toBe(1200);
  });

  it('does not hold requests when the server says plenty is left', async () => {
    const limiter = new RateLimiter({ now: Date.now });
    const r = recorder(limiter);
    (await r.acquire('a')).release({ rateLimit: { requests: { limit: 600, remaining: 599, resetMs: 100 } } });
    const rest = Promise.all(Array.from({ length: 12 }, (_, i) => r.acquire(`r${i}`)));
    await vi.advanceTimersByTimeAsync(1_000);
    await rest;
    // A burst of one second's worth (10), then one every 100 ms.
    expect(r.granted.slice(1).map(([, t]) => t)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 200]);
  });

  it('ignores what an older response says once a newer one has been applied', async () => {
    const limiter = new RateLimiter({ now: Date.now });
    const r = recorder(limiter);
    const [a, b] = await Promise.all([r.acquire('a'), r.acquire('b')]);
    b.release({ rateLimit: { requests: { limit: 600, remaining: 100 } } });
    a.release({ rateLimit: { requests: { limit: 60, remaining: 0 } } });
    expect(limiter.requestsPerMinute).toBe(600);
    await r.acquire('c');
    expect(r.granted.at(-1)).toEqual(['c', 0]);
  });

  it('holds new requests until the reset when remaining runs out and no limit is stated', async () => {
    const r = recorder(new RateLimiter({ now: Date.now }));
    (await r.acquire('a')).release({ rateLimit: { tokens: { remaining: 0, resetMs: 1_500 } } });
    const b = r.acquire('b');
    await vi.advanceTimersByTimeAsync(2_000);
    await b;
    expect(r.granted).toEqual([['a', 0], ['b', 1_500]]);
  });

  it('a user --rpm wins over the rate the server states', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 30, now: Date.now });
    (await limiter.acquire(0, live())).release({ rateLimit: { requests: { limit: 6_000, remaining: 5_000 } } });
    expect(limiter.requestsPerMinute).toBe(30);
  });

  it('pause() holds everyone (retry-after), retries first; an aborted waiter leaves without blocking others', async () => {
    const limiter = new RateLimiter({ now: Date.now });
    const r = recorder(limiter);
    await r.acquire('a');
    limiter.pause(1_000);
    const gone = new AbortController();
    const b = r.acquire('b', 0, gone.signal).catch((e: unknown) => `rejected: ${(e as Error).message}`);
    const c = r.acquire('c');
    const retry = r.acquire('retry', 0, live(), true);
    await vi.advanceTimersByTimeAsync(300);
    gone.abort(new Error('stopped'));
    expect(await b).toBe('rejected: stopped');
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all([c, retry]);
    expect(r.granted).toEqual([['a', 0], ['retry', 1_000], ['c', 1_000]]);
  });

  it('with a rate known, a pause holds everyone and then they are paced, not probed', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 600, now: Date.now });
    const r = recorder(limiter);
    await r.acquire('a'); // never released: no probing when pacing
    limiter.pause(1_000);
    const rest = Promise.all(['b', 'c'].map((n) => r.acquire(n)));
    await vi.advanceTimersByTimeAsync(1_000);
    await rest;
    expect(r.granted).toEqual([['a', 0], ['b', 1_000], ['c', 1_000]]);
  });
});

describe('estimateTokens', () => {
  it('counts a token per 4 characters of system and prompt, plus max tokens or 256', () => {
    expect(estimateTokens({ prompt: 'x'.repeat(10) })).toBe(3 + 256);
    expect(estimateTokens({ system: 'abcd', prompt: 'efgh' }, 20)).toBe(2 + 20);
  });
});

describe('RateLimiter.pausedWithin', () => {
  it('tells how much of a span its latest pause held, a pause extended while on being one pause', () => {
    let now = 1000;
    const limiter = new RateLimiter({ now: () => now });
    expect(limiter.pausedWithin(0, 5000)).toBe(0);
    limiter.pause(1000); // 1000-2000
    now = 1500;
    limiter.pause(1000); // extended to 2500, begun at 1000
    now = 3000;
    expect(limiter.pausedWithin(2000, 3000)).toBe(500);
    expect(limiter.pausedWithin(0, 3000)).toBe(1500);
    expect(limiter.pausedWithin(2600, 3000)).toBe(0);
    limiter.pause(200); // a new pause: 3000-3200
    expect(limiter.pausedWithin(0, 4000)).toBe(200);
  });
});
