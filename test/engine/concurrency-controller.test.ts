import { describe, expect, it } from 'vitest';
import { ConcurrencyController, isOverload, type CallTicket } from '../../src/engine/concurrency-controller.js';

const live = () => new AbortController().signal;

/** A controller whose every limit change is recorded. */
function controller(max: number, start?: number) {
  const changes: number[] = [];
  const c = new ConcurrencyController({ max, start, onChange: (n) => changes.push(n) });
  return { c, changes };
}

/** Takes a slot and sends at once. */
async function send(c: ConcurrencyController): Promise<CallTicket> {
  const t = await c.acquire(live());
  c.sent(t);
  return t;
}

/** Sends calls until every slot is busy; the last one saw every slot sending. */
async function fill(c: ConcurrencyController): Promise<CallTicket[]> {
  const out: CallTicket[] = [];
  for (let i = c.active; i < c.current; i++) out.push(await send(c));
  return out;
}

/** One round trip: every slot busy, then every call answered (one of them was sent saturated). */
async function round(c: ConcurrencyController, latencyMs = 100): Promise<void> {
  for (const t of await fill(c)) c.succeeded(t, latencyMs);
}

/** A promise with a flag saying whether it has settled. */
function track<T>(p: Promise<T>): Promise<T> & { settled: boolean } {
  const tracked = Object.assign(p, { settled: false });
  p.then(
    () => (tracked.settled = true),
    () => (tracked.settled = true),
  );
  return tracked;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyController', () => {
  it('starts at min(8, max) and, before any overload, grows by one per success sent with every slot busy', async () => {
    const { c, changes } = controller(12);
    expect(c.current).toBe(8);
    const tickets = await fill(c);
    expect(tickets.map((t) => t.saturated)).toEqual([false, false, false, false, false, false, false, true]);
    for (const t of tickets) c.succeeded(t, 100); // only the last counts
    expect(changes).toEqual([9]);
    for (let i = 0; i < 10; i++) await round(c);
    expect(c.current).toBe(12);
    expect(changes).toEqual([9, 10, 11, 12]);
    expect(new ConcurrencyController({ max: 3 }).current).toBe(3);
  });

  it('halves on 429 once per round trip: answers to calls sent before the decrease are ignored', async () => {
    const { c, changes } = controller(64, 40);
    const before = await fill(c);
    c.failed(before[0], true);
    c.failed(before[1], true); // same round trip, already acted on
    c.failed(before[2], true);
    expect(changes).toEqual([20]);
    for (const t of before.slice(3)) c.failed(t, true);
    const after = await send(c);
    c.failed(after, true);
    expect(changes).toEqual([20, 10]);
    for (let i = 0; i < 10; i++) c.failed(await send(c), true);
    expect(c.current).toBe(1);
    expect(changes).toEqual([20, 10, 5, 2, 1]);
  });

  it('ignores failures that are not overload', async () => {
    const { c, changes } = controller(8);
    c.failed(await send(c), false);
    expect(changes).toEqual([]);
  });

  it('after a decrease, grows by one per `current` successes sent with every slot busy', async () => {
    const { c, changes } = controller(64, 8);
    c.failed(await send(c), true);
    expect(c.current).toBe(4);
    for (let i = 0; i < 3; i++) await round(c);
    expect(changes).toEqual([4]);
    await round(c);
    expect(changes).toEqual([4, 5]);
    for (let i = 0; i < 5; i++) await round(c);
    expect(changes).toEqual([4, 5, 6]);
    // Successes of calls sent before a decrease say nothing about the new limit.
    const old = await fill(c);
    c.failed(old.pop()!, true);
    for (const t of old) c.succeeded(t, 100);
    expect(changes).toEqual([4, 5, 6, 3]);
  });

  it('halves when the median latency of 16 calls climbs over twice its lowest and 250 ms above it', async () => {
    const { c, changes } = controller(16, 16);
    const batch = async (ms: number) => {
      for (let i = 0; i < 16; i++) c.succeeded(await send(c), ms);
    };
    await batch(400); // baseline median 400
    await batch(700); // 1.75x: fine
    await batch(790); // 1.98x: fine
    expect(changes).toEqual([]);
    await batch(900); // 2.25x and +500 ms: the server is queueing us
    expect(changes).toEqual([8]);
    const fast = controller(16, 16);
    for (let i = 0; i < 16; i++) fast.c.succeeded(await send(fast.c), 2);
    for (let i = 0; i < 16; i++) fast.c.succeeded(await send(fast.c), 20); // 10x, but only 18 ms: jitter
    expect(fast.changes).toEqual([]);
  });

  it('holds calls beyond the limit, serves retries first, and a decrease bites before anyone new is let in', async () => {
    const { c } = controller(4, 4);
    const running = await fill(c);
    const fresh = track(c.acquire(live()));
    const retry = track(c.acquire(live(), true));
    const gone = new AbortController();
    const abandoned = c.acquire(gone.signal);
    gone.abort(new Error('stopped'));
    await expect(abandoned).rejects.toThrow('stopped');
    c.failed(running[0], true); // 4 -> 2, with 3 still holding slots
    expect(c.current).toBe(2);
    await tick();
    expect([retry.settled, fresh.settled]).toEqual([false, false]);
    c.succeeded(running[1], 10);
    c.succeeded(running[2], 10);
    await tick();
    expect([retry.settled, fresh.settled]).toEqual([true, false]);
    c.release(await retry); // never sent: the run stopped while it waited for its rate-limit turn
    await tick();
    expect(fresh.settled).toBe(true);
    expect(c.active).toBe(2);
  });

  it('keeps the limit at max when not adaptive', async () => {
    const c = new ConcurrencyController({ max: 12, adaptive: false });
    expect(c.current).toBe(12);
    c.failed(await send(c), true);
    expect(c.current).toBe(12);
  });

  it('counts 429, 503 and 529 as overload', () => {
    expect([429, 503, 529, 500, 408, undefined].map(isOverload)).toEqual([true, true, true, false, false, false]);
  });
});
