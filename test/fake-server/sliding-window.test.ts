import { afterEach, describe, expect, it } from 'vitest';
import { createSlidingWindow, startFakeServer, type FakeServer } from './server.js';

describe('createSlidingWindow', () => {
  it('admits `limit` in any window and refuses the rest with a whole-second retry-after until the oldest leaves', () => {
    let t = 0;
    const w = createSlidingWindow({ limit: 3, windowMs: 1000 }, () => t);
    expect([w.admit(), w.admit(), w.admit()].map((v) => v.ok)).toEqual([true, true, true]);
    t = 400;
    expect(w.admit()).toEqual({ ok: false, headers: { 'retry-after': '1' } });
    t = 999;
    expect(w.admit().ok).toBe(false);
    t = 1000;
    expect([w.admit(), w.admit(), w.admit()].map((v) => v.ok)).toEqual([true, true, true]);
    expect(w.admit().ok).toBe(false);
  });
});

describe('fake server slidingWindow', () => {
  let server: FakeServer | undefined;
  afterEach(() => server?.close());

  it('answers over the limit with 429 and retry-after only: no rate-limit headers', async () => {
    server = await startFakeServer({ slidingWindow: { limit: 2, windowMs: 60_000 } });
    const post = () =>
      fetch(`${server!.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'test', messages: [{ role: 'user', content: 'hi' }] }) });
    const answers = [await post(), await post(), await post()];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    const refused = answers[2];
    expect(refused.headers.get('retry-after')).toBe('60');
    expect([...refused.headers.keys()].filter((k) => k.includes('ratelimit') || k === 'retry-after-ms')).toEqual([]);
    expect(server.stats).toMatchObject({ requests: 3, ok: 2, rateLimited: 1 });
  });
});
