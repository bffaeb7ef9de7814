// The shared rate budget against a real redis-server: workers with the same budget id share the
// slots, other ids do not, and the limits a probe finds are published to the others.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedBudget } from '../../../src/engine/queue/shared-rate-limiter.js';
import { testRedis } from '../../cache/helpers/redis-server.js';

const server = await testRedis();
if (!server.url) console.warn(`skipping the shared budget tests: ${server.reason}`);
let redis: Redis;

beforeAll(async () => {
  if (!server.url) return;
  // Database 15: apart from the cache tests (0) and the --queue e2e tests (10+).
  redis = new Redis(`${server.url.replace(/\/\d*$/, '')}/15`);
  await redis.flushdb();
});

afterAll(async () => {
  redis?.disconnect();
  await server.stop();
});

/** Whether `promise` is still pending after the event loop has had `ms` to settle it. */
async function pending(promise: Promise<unknown>, ms = 100): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true), () => (settled = true));
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}

describe.skipIf(!server.url)('shared budget', () => {
  // 600 requests a minute: 5 per half-second slot; the clock stands still at a slot's start.
  const slotMs = 500;
  const now = () => slotMs * 3_000_000;

  it('admits one slot of requests across all workers of a budget, then holds them, while another budget is its own', async () => {
    const a1 = new SharedBudget(redis, 'budget-a', now);
    const a2 = new SharedBudget(redis, 'budget-a', now);
    const b = new SharedBudget(redis, 'budget-b', now);
    const stop = new AbortController();
    for (let i = 0; i < 3; i++) await a1.take(0, 600, undefined, stop.signal);
    for (let i = 0; i < 2; i++) await a2.take(0, 600, undefined, stop.signal);
    const sixth = a2.take(0, 600, undefined, stop.signal);
    expect(await pending(sixth)).toBe(true);
    for (let i = 0; i < 5; i++) await b.take(0, 600, undefined, stop.signal);
    stop.abort(new Error('done'));
    await expect(sixth).rejects.toThrow('done');
  });

  it('counts tokens in slots of half a second of --tpm, a request bigger than a slot taking a whole one', async () => {
    const t = new SharedBudget(redis, 'budget-t', now);
    const stop = new AbortController();
    // 60,000 tokens a minute: 500 per slot.
    await t.take(400, undefined, 60_000, stop.signal);
    const over = t.take(200, undefined, 60_000, stop.signal);
    expect(await pending(over)).toBe(true);
    stop.abort(new Error('done'));
    await expect(over).rejects.toThrow('done');
    const big = new SharedBudget(redis, 'budget-big', now);
    await big.take(5_000, undefined, 60_000, new AbortController().signal);
  });

  it('lets one worker probe for the limits while the others wait for what it publishes', async () => {
    const first = new SharedBudget(redis, 'budget-p', now);
    const second = new SharedBudget(redis, 'budget-p', now);
    const signal = new AbortController().signal;
    expect(await first.limits(signal)).toEqual({ limits: {}, probe: true });
    const waiting = second.limits(signal);
    expect(await pending(waiting)).toBe(true);
    await first.publish({ requests: { limit: 600, remaining: 9 }, tokens: { limit: 90_000 } });
    expect(await waiting).toEqual({ limits: { rpm: 600, tpm: 90_000 }, probe: false });
  });
});
