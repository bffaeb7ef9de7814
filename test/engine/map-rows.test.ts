import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { CachedResponse, ResponseCache } from '../../src/cache/cache.js';
import { ProviderError } from '../../src/errors.js';
import type { RowOutcome } from '../../src/engine/events.js';
import { FatalRunError, mapRows, type EngineOptions } from '../../src/engine/map-rows.js';
import { RateLimiter } from '../../src/engine/rate-limiter.js';
import { defaultRetryPolicy } from '../../src/engine/retry.js';
import type { ChatRequest, Provider } from '../../src/providers/provider.js';

/** An in-process provider for engine logic only; HTTP behaviour is tested against the loopback server. */
class ScriptedProvider implements Provider {
  readonly id = 'openai' as const;
  readonly model = 'm';
  calls: ChatRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly answer: (req: ChatRequest, n: number) => Promise<string>) {}
  async complete(req: ChatRequest) {
    this.calls.push(req);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return { text: await this.answer(req, this.calls.length), finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } };
    } finally {
      this.inFlight--;
    }
  }
  async close() {}
}

class MapCache implements ResponseCache {
  map = new Map<string, CachedResponse>();
  async get(k: string) { return this.map.get(k); }
  async set(k: string, v: CachedResponse) { this.map.set(k, v); }
  async close() {}
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* rowsOf(cells: string[]) {
  for (const c of cells) yield [c];
}

function options(provider: Provider, cache: ResponseCache, extra: Partial<EngineOptions> = {}): EngineOptions {
  return {
    provider,
    cache,
    cacheKey: (r) => `k:${r.system ?? ''}:${r.prompt}`,
    render: (row) => String(row[0]),
    concurrency: 4,
    window: 16,
    retry: defaultRetryPolicy({ baseDelayMs: 1, maxDelayMs: 2 }),
    observer: {},
    signal: new AbortController().signal,
    ...extra,
  };
}

async function collect(it: AsyncIterable<{ row: unknown[]; outcome: RowOutcome }>) {
  const out: { row: unknown[]; outcome: RowOutcome }[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('mapRows', () => {
  it('yields rows in input order under random latencies, within the concurrency limit', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const provider = new ScriptedProvider(async (req) => {
      await delay(Math.floor(rand() * 15));
      return `A:${req.prompt}`;
    });
    const cells = Array.from({ length: 60 }, (_, i) => `p${i}`);
    const out = await collect(mapRows(rowsOf(cells), options(provider, new MapCache())));
    expect(out.map((o) => o.outcome.text)).toEqual(cells.map((c) => `A:${c}`));
    expect(out.map((o) => o.outcome.index)).toEqual(cells.map((_, i) => i));
    expect(provider.maxInFlight).toBeLessThanOrEqual(4);
    expect(provider.maxInFlight).toBeGreaterThan(1);
  });

  it('sends identical prompts once and answers the duplicates as cached', async () => {
    const provider = new ScriptedProvider(async (req) => {
      await delay(5);
      return `A:${req.prompt}`;
    });
    const out = await collect(mapRows(rowsOf(['x', 'y', 'x', 'x', 'y']), options(provider, new MapCache())));
    expect(provider.calls.map((c) => c.prompt).sort()).toEqual(['x', 'y']);
    expect(out.map((o) => o.outcome.status)).toEqual(['sent', 'sent', 'cached', 'cached', 'cached']);
    expect(out.map((o) => o.outcome.text)).toEqual(['A:x', 'A:y', 'A:x', 'A:x', 'A:y']);
  });

  it('without a cache, shares a call with the duplicates that arrive while it is in flight, however many are in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const provider = new ScriptedProvider(async (req) => {
      await gate;
      return `A:${req.prompt}`;
    });
    // More calls in flight than the in-flight table holds before it first drops settled entries.
    const firsts = Array.from({ length: 300 }, (_, i) => `p${i}`);
    const cells = [...firsts, ...firsts];
    // No call answers before every row has started, so the repeats find all 300 still in flight.
    async function* thenRelease() {
      yield* rowsOf(cells);
      release();
    }
    const wide = { cacheKey: undefined, concurrency: 600, window: 600, fixedConcurrency: true };
    const out = await collect(mapRows(thenRelease(), options(provider, new MapCache(), wide)));
    expect(provider.calls.map((c) => c.prompt)).toEqual(firsts);
    expect(out.map((o) => o.outcome.status)).toEqual(cells.map((_, i) => (i < 300 ? 'sent' : 'cached')));
    expect(out.map((o) => o.outcome.text)).toEqual(cells.map((c) => `A:${c}`));
    // Once settled, the same prompt is asked again (there is no cache to answer it).
    const again = await collect(mapRows(rowsOf(['x', 'x', 'y', 'x']), options(provider, new MapCache(), { cacheKey: undefined, window: 1, concurrency: 1 })));
    expect(again.map((o) => o.outcome.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  });

  it("passes observers its clock readings as the times of requests and sent rows, only when its clock is performance.now", async () => {
    const seen: Array<[string, number | undefined]> = [];
    const observer = {
      onRequest: (_i: number, at?: number) => seen.push(['request', at]),
      onRowDone: (o: RowOutcome, at?: number) => seen.push([o.status, at]),
    };
    const provider = new ScriptedProvider(async (req) => `A:${req.prompt}`);
    const before = performance.now();
    await collect(mapRows(rowsOf(['a', 'a']), options(provider, new MapCache(), { observer, window: 1, concurrency: 1 })));
    const after = performance.now();
    expect(seen.map(([event]) => event)).toEqual(['request', 'sent', 'cached']);
    for (const [event, at] of seen.slice(0, 2)) {
      expect(at, event).toBeGreaterThanOrEqual(before);
      expect(at, event).toBeLessThanOrEqual(after);
    }
    // A cached row has no reading of its own to pass.
    expect(seen[2][1]).toBeUndefined();

    seen.length = 0;
    await collect(mapRows(rowsOf(['b']), options(provider, new MapCache(), { observer, now: () => 42 })));
    expect(seen).toEqual([['request', undefined], ['sent', undefined]]);
  });

  it('skips empty and whitespace-only prompts without a call', async () => {
    const provider = new ScriptedProvider(async (req) => `A:${req.prompt}`);
    const out = await collect(mapRows(rowsOf(['a', '', '  \t', 'b']), options(provider, new MapCache())));
    expect(out.map((o) => o.outcome.status)).toEqual(['sent', 'skipped', 'skipped', 'sent']);
    expect(provider.calls).toHaveLength(2);
  });

  it('answers from the cache and stores every sent answer before yielding it', async () => {
    const cache = new MapCache();
    const provider = new ScriptedProvider(async (req) => `A:${req.prompt}`);
    const seenInCache: boolean[] = [];
    const opts = options(provider, cache, {
      system: 'sys',
      observer: { onRowDone: (o) => seenInCache.push(cache.map.has(`k:sys:p${o.index}`)) },
    });
    await collect(mapRows(rowsOf(['p0', 'p1']), opts));
    expect(seenInCache).toEqual([true, true]);
    const again = new ScriptedProvider(async () => 'never');
    const out = await collect(mapRows(rowsOf(['p0', 'p1']), { ...opts, provider: again, observer: {} }));
    expect(again.calls).toHaveLength(0);
    expect(out.map((o) => [o.outcome.status, o.outcome.text])).toEqual([['cached', 'A:p0'], ['cached', 'A:p1']]);
  });

  it('retries retryable failures, fails bad requests without retry, and never caches failures', async () => {
    const cache = new MapCache();
    let flakyCalls = 0;
    const provider = new ScriptedProvider(async (req) => {
      if (req.prompt === 'flaky' && ++flakyCalls < 3) throw new ProviderError('server', 'upstream 500', { status: 500 });
      if (req.prompt === 'bad') throw new ProviderError('bad_request', 'context too long', { status: 400 });
      return `A:${req.prompt}`;
    });
    const retries: number[] = [];
    const out = await collect(
      mapRows(rowsOf(['flaky', 'bad']), options(provider, cache, { concurrency: 1, observer: { onRetry: (e) => retries.push(e.attempt) } })),
    );
    expect(out[0].outcome).toMatchObject({ status: 'sent', text: 'A:flaky', attempts: 3 });
    expect(out[1].outcome).toMatchObject({ status: 'failed', text: '', error: 'context too long', attempts: 1 });
    expect(retries).toEqual([1, 2]);
    expect([...cache.map.keys()]).toEqual(['k::flaky']);
  });

  it('stops the whole run on an auth failure', async () => {
    const provider = new ScriptedProvider(async () => {
      throw new ProviderError('auth', 'authentication failed (401): check the API key in $OPENAI_API_KEY', { status: 401 });
    });
    await expect(collect(mapRows(rowsOf(['a', 'b', 'c']), options(provider, new MapCache())))).rejects.toBeInstanceOf(FatalRunError);
  });

  it('keeps at most `reorderRows` rows started ahead of the consumer', async () => {
    let pulled = 0;
    async function* counting() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield [`p${i}`];
      }
    }
    const provider = new ScriptedProvider(async (req) => req.prompt);
    const iterator = mapRows(counting(), options(provider, new MapCache(), { window: 4, reorderRows: 16 }))[Symbol.asyncIterator]();
    await iterator.next();
    await delay(20);
    expect(pulled).toBeLessThanOrEqual(16 + 1 + 1);
    expect(pulled).toBeGreaterThanOrEqual(16);
    await iterator.return?.();
  });

  it('stops starting rows once finished rows behind an unfinished one reach `reorderBytes`', async () => {
    let pulled = 0;
    async function* counting() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield [`p${i}`.padEnd(1000, '.')];
      }
    }
    let release!: () => void;
    const head = new Promise<void>((r) => (release = r));
    const provider = new ScriptedProvider(async (req, n) => {
      if (n === 1) await head;
      return 'ok';
    });
    const out = collect(mapRows(counting(), options(provider, new MapCache(), { window: 4, reorderBytes: 20_000 })));
    await delay(20);
    // About 2 KB a row: 10 finished rows behind the first reach the bound, and no more start.
    expect(pulled).toBeLessThanOrEqual(10 + 4 + 1);
    release();
    expect(await out).toHaveLength(1000);
  });

  it('a row waiting out a backoff does not hold up the rows behind it', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const sentAt: Array<[string, number]> = [];
      const provider = new ScriptedProvider(async (req, n) => {
        sentAt.push([req.prompt, Date.now()]);
        await delay(10);
        if (n === 1) throw new ProviderError('server', 'upstream 500', { status: 500 });
        return `A:${req.prompt}`;
      });
      const cells = Array.from({ length: 40 }, (_, i) => `p${i}`);
      const run = collect(
        mapRows(rowsOf(cells), options(provider, new MapCache(), { window: 4, concurrency: 4, fixedConcurrency: true, retry: defaultRetryPolicy({ quickDelayMs: 1_000, random: () => 1 }), now: Date.now })),
      );
      await vi.advanceTimersByTimeAsync(5_000);
      const out = await run;
      expect(out.map((o) => o.outcome.text)).toEqual(cells.map((c) => `A:${c}`));
      // p0 sleeps 1 s after its 500; the other 39 rows are all answered meanwhile, 4 at a time.
      const retryAt = sentAt.filter(([p]) => p === 'p0')[1][1];
      expect(retryAt).toBe(1_010);
      expect(sentAt.filter(([p, t]) => p !== 'p0' && t >= 1_010)).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('adds no abort listener per row to the run signal, even when rows wait for a slot', async () => {
    const run = new AbortController();
    const provider = new ScriptedProvider(async (req) => {
      await delay(1);
      return req.prompt;
    });
    const cells = Array.from({ length: 100 }, (_, i) => `p${i}`);
    const most = { count: 0 };
    const out = collect(mapRows(rowsOf(cells), options(provider, new MapCache(), { signal: run.signal, concurrency: 4 })));
    const watch = setInterval(() => (most.count = Math.max(most.count, getEventListeners(run.signal, 'abort').length)), 0);
    await out;
    clearInterval(watch);
    expect(provider.calls).toHaveLength(100);
    // One listener per run at most (the shared "stop waiting" group), never one per waiting row.
    expect(most.count).toBeLessThanOrEqual(1);
    expect(getEventListeners(run.signal, 'abort').length).toBeLessThanOrEqual(1);
  });

  /** 8 rows at concurrency 4 against a server whose calls 1..refusals answer 429 (retry-after 1 s), all after 10 ms. */
  async function refusedRun(refusals: number) {
    const sentAt: Array<[string, number]> = [];
    const provider = new ScriptedProvider(async (req, n) => {
      sentAt.push([req.prompt, Date.now()]);
      await delay(10);
      if (n <= refusals) throw new ProviderError('rate_limit', 'rate limited (429)', { status: 429, retryAfterMs: 1_000 });
      return `A:${req.prompt}`;
    });
    const limits: number[] = [];
    const rateLimited: number[] = [];
    const cells = Array.from({ length: 8 }, (_, i) => `p${i}`);
    const run = collect(
      mapRows(
        rowsOf(cells),
        options(provider, new MapCache(), {
          rateLimiter: new RateLimiter({ now: Date.now }),
          retry: defaultRetryPolicy({ random: () => 0 }),
          observer: { onConcurrency: (n) => limits.push(n), onRateLimited: (i) => rateLimited.push(i) },
          now: Date.now,
        }),
      ),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    const out = await run;
    expect(out.map((o) => o.outcome.text)).toEqual(cells.map((c) => `A:${c}`));
    return { sentAt, limits, rateLimited };
  }

  it('with no rate known, the first call goes alone and the rest start once it is answered', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { sentAt } = await refusedRun(0);
      expect(sentAt.slice(0, 5)).toEqual([['p0', 0], ['p1', 10], ['p2', 10], ['p3', 10], ['p4', 10]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a stray 429 among successes holds only its own row, and the concurrency stays', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { sentAt, limits, rateLimited } = await refusedRun(1);
      // p0 is refused at 10 ms and waits its 1 s alone; the other rows go on meanwhile.
      expect(sentAt.filter(([p]) => p === 'p0')).toEqual([['p0', 0], ['p0', 1_010]]);
      expect(sentAt.filter(([p]) => p !== 'p0').every(([, t]) => t < 100)).toBe(true);
      expect(limits).toEqual([4]);
      expect(rateLimited).toEqual([0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('when most answers are 429s, every row is held for the retry-after and the concurrency halves', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { sentAt, limits, rateLimited } = await refusedRun(5);
      // p0 (alone, 0 ms) and p1..p3 (10 ms) are refused; the 4th refusal of 4 answers is a limit
      // at 20 ms: nothing is sent while the server asked to wait (20 ms .. 1020 ms).
      expect(sentAt.slice(0, 4)).toEqual([['p0', 0], ['p1', 10], ['p2', 10], ['p3', 10]]);
      expect(sentAt.filter(([, t]) => t > 20 && t < 1_020)).toEqual([]);
      expect(limits.slice(0, 2)).toEqual([4, 2]);
      expect(rateLimited.slice(0, 4)).toEqual([0, 1, 2, 3]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops the run after 4 attempts that found no server, when none has succeeded', async () => {
    const refused = () => new ProviderError('network', 'network error talking to http://127.0.0.1:9/v1: connection refused', { cause: { code: 'ECONNREFUSED' } });
    const provider = new ScriptedProvider(async () => {
      throw refused();
    });
    const cells = Array.from({ length: 1000 }, (_, i) => `p${i}`);
    const err = await collect(mapRows(rowsOf(cells), options(provider, new MapCache(), { rateLimiter: new RateLimiter() }))).catch((e) => e);
    expect(err).toBeInstanceOf(FatalRunError);
    expect(err.message).toBe('stopped after 4 attempts, none succeeded: network error talking to http://127.0.0.1:9/v1: connection refused');
    expect(provider.calls.length).toBe(4);
  });

  it('stops the run on 404 for every call, but once a call succeeded, 404s only fail their rows', async () => {
    const notFound = () => new ProviderError('bad_request', 'request rejected (404) by http://x/v1: no such path', { status: 404 });
    const dead = new ScriptedProvider(async () => {
      throw notFound();
    });
    const cells = Array.from({ length: 100 }, (_, i) => `p${i}`);
    await expect(collect(mapRows(rowsOf(cells), options(dead, new MapCache(), { rateLimiter: new RateLimiter() })))).rejects.toBeInstanceOf(FatalRunError);
    expect(dead.calls.length).toBeLessThan(20);

    const wasAlive = new ScriptedProvider(async (req, n) => {
      if (n > 1) throw notFound();
      return `A:${req.prompt}`;
    });
    const out = await collect(mapRows(rowsOf(cells), options(wasAlive, new MapCache(), { rateLimiter: new RateLimiter() })));
    expect(out.map((o) => o.outcome.status)).toEqual(['sent', ...cells.slice(1).map(() => 'failed')]);
  });

  it('keeps exactly `concurrency` calls in flight when told not to adapt', async () => {
    const provider = new ScriptedProvider(async (req) => {
      await delay(2);
      return req.prompt;
    });
    const limits: number[] = [];
    const cells = Array.from({ length: 40 }, (_, i) => `p${i}`);
    await collect(
      mapRows(rowsOf(cells), options(provider, new MapCache(), { concurrency: 12, fixedConcurrency: true, observer: { onConcurrency: (n) => limits.push(n) } })),
    );
    expect(limits).toEqual([12]);
    expect(provider.maxInFlight).toBe(12);
  });

  it('starts at startConcurrency and still adapts from there', async () => {
    const provider = new ScriptedProvider(async (req) => {
      await delay(2);
      return req.prompt;
    });
    const limits: number[] = [];
    const cells = Array.from({ length: 40 }, (_, i) => `p${i}`);
    await collect(
      mapRows(rowsOf(cells), options(provider, new MapCache(), { concurrency: 20, startConcurrency: 12, window: 64, observer: { onConcurrency: (n) => limits.push(n) } })),
    );
    expect(limits[0]).toBe(12);
    // The first 12 rows are all sent before any answer comes back.
    expect(provider.maxInFlight).toBeGreaterThanOrEqual(12);
    expect(limits.at(-1)).toBe(20);
  });
});
