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

  it('keeps at most `window` rows started ahead of the consumer', async () => {
    let pulled = 0;
    async function* counting() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield [`p${i}`];
      }
    }
    const provider = new ScriptedProvider(async (req) => req.prompt);
    const iterator = mapRows(counting(), options(provider, new MapCache(), { window: 16 }))[Symbol.asyncIterator]();
    await iterator.next();
    await delay(20);
    expect(pulled).toBeLessThanOrEqual(16 + 4 + 1);
    await iterator.return?.();
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

  it('a 429 with retry-after holds every row, not just its own, and halves the concurrency', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const sentAt: Array<[string, number]> = [];
      const provider = new ScriptedProvider(async (req, n) => {
        sentAt.push([req.prompt, Date.now()]);
        await delay(10);
        if (n === 1) throw new ProviderError('rate_limit', 'rate limited (429)', { status: 429, retryAfterMs: 1_000 });
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
          }),
        ),
      );
      await vi.advanceTimersByTimeAsync(5_000);
      const out = await run;
      expect(out.map((o) => o.outcome.text)).toEqual(cells.map((c) => `A:${c}`));
      expect(sentAt.slice(0, 4)).toEqual([['p0', 0], ['p1', 0], ['p2', 0], ['p3', 0]]);
      // Nothing is sent while the server asked to wait (10 ms .. 1010 ms).
      expect(sentAt.slice(4).every(([, t]) => t >= 1_010)).toBe(true);
      expect(sentAt.map(([p]) => p).filter((p) => p === 'p0')).toHaveLength(2);
      expect(limits.slice(0, 2)).toEqual([4, 2]);
      expect(rateLimited).toEqual([0]);
    } finally {
      vi.useRealTimers();
    }
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
