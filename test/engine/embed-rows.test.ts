import { describe, expect, it } from 'vitest';
import { memoryCache } from '../../src/cache/response-cache.js';
import { embeddingCache, type EmbeddingCache } from '../../src/cache/embedding-cache.js';
import { ProviderError } from '../../src/errors.js';
import { embedRows, type EmbedEngineOptions, type EmbeddedRow } from '../../src/engine/embed-rows.js';
import type { RowOutcome } from '../../src/engine/events.js';
import { FatalRunError } from '../../src/engine/map-rows.js';
import { defaultRetryPolicy } from '../../src/engine/retry.js';
import { shareTokens } from '../../src/engine/share-tokens.js';
import type { Embedder } from '../../src/providers/embeddings.js';

/** An in-process embedder for engine logic; HTTP behaviour is tested against the loopback server. */
class ScriptedEmbedder implements Embedder {
  readonly id = 'openai' as const;
  readonly model = 'm';
  batches: string[][] = [];
  constructor(private readonly answer: (texts: string[], n: number) => Promise<void> | void = () => undefined) {}
  async embed(texts: string[]) {
    this.batches.push(texts);
    await this.answer(texts, this.batches.length);
    return { vectors: texts.map(vectorOf), usage: { inputTokens: texts.length * 2 } };
  }
  async close() {}
}

const vectorOf = (text: string) => Float32Array.from([text.length, text.charCodeAt(0), 0.5]);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function* rowsOf(cells: string[], pulled?: { count: number }) {
  for (const c of cells) {
    if (pulled) pulled.count++;
    yield [c];
  }
}

function options(embedder: Embedder, cache: EmbeddingCache, extra: Partial<EmbedEngineOptions> = {}): EmbedEngineOptions {
  return {
    embedder,
    cache,
    cacheKey: (text) => `k:${text}`,
    textOf: (row) => String(row[0]),
    batchSize: 3,
    concurrency: 4,
    window: 64,
    retry: defaultRetryPolicy({ baseDelayMs: 1, maxDelayMs: 2 }),
    observer: {},
    signal: new AbortController().signal,
    ...extra,
  };
}

async function collect(it: AsyncIterable<EmbeddedRow>): Promise<EmbeddedRow[]> {
  const out: EmbeddedRow[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const cells = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);

describe('embedRows', () => {
  it('batches misses in input order: 250 texts at batch size 100 go as 100, 100, 50', async () => {
    const embedder = new ScriptedEmbedder();
    const texts = cells(250);
    const out = await collect(embedRows(rowsOf(texts), options(embedder, embeddingCache(memoryCache()), { batchSize: 100, window: 1000 })));
    expect(embedder.batches).toEqual([texts.slice(0, 100), texts.slice(100, 200), texts.slice(200)]);
    expect(out.map((r) => r.row[0])).toEqual(texts);
    expect(out.map((r) => [...r.outcome.vector!])).toEqual(texts.map((t) => [...vectorOf(t)]));
    expect(out.every((r) => r.outcome.status === 'sent')).toBe(true);
  });

  it('yields rows in input order when batches finish out of order', async () => {
    const embedder = new ScriptedEmbedder((_t, n) => delay(n === 1 ? 40 : 1));
    const texts = cells(10);
    const out = await collect(embedRows(rowsOf(texts), options(embedder, embeddingCache(memoryCache()))));
    expect(out.map((r) => r.row[0])).toEqual(texts);
    expect(out.map((r) => r.outcome.index)).toEqual(texts.map((_, i) => i));
  });

  it('sends identical texts once; later rows with the text count as cached', async () => {
    const embedder = new ScriptedEmbedder();
    const out = await collect(embedRows(rowsOf(['a', 'b', 'a', 'a', 'c']), options(embedder, embeddingCache(memoryCache()))));
    expect(embedder.batches).toEqual([['a', 'b', 'c']]);
    expect(out.map((r) => r.outcome.status)).toEqual(['sent', 'sent', 'cached', 'cached', 'sent']);
    expect([...out[3].outcome.vector!]).toEqual([...vectorOf('a')]);
  });

  it('serves cached texts and sends only the rest; empty cells are skipped, not sent', async () => {
    const cache = embeddingCache(memoryCache());
    await cache.set('k:b', { vector: Float32Array.from([9, 9]), usage: { inputTokens: 4 } });
    const embedder = new ScriptedEmbedder();
    const out = await collect(embedRows(rowsOf(['a', 'b', '', ' ', 'c']), options(embedder, cache)));
    expect(embedder.batches).toEqual([['a', 'c']]);
    expect(out.map((r) => r.outcome.status)).toEqual(['sent', 'cached', 'skipped', 'skipped', 'sent']);
    expect([...out[1].outcome.vector!]).toEqual([9, 9]);
    expect(out[1].outcome.usage).toEqual({ inputTokens: 4 });
    expect(out[2].outcome.vector).toBeNull();
  });

  it('stores each vector before its row is reported done', async () => {
    const map = new Map();
    const cache = embeddingCache(memoryCache(map));
    const seen: boolean[] = [];
    const observer = { onRowDone: (o: RowOutcome) => seen.push(map.has(`k:t${o.index}`)) };
    await collect(embedRows(rowsOf(cells(7)), options(new ScriptedEmbedder(), cache, { observer })));
    expect(seen).toEqual(Array(7).fill(true));
  });

  it('shares a batch token count out over its texts, and counts one request per batch attempt', async () => {
    const requests: number[] = [];
    const out = await collect(
      embedRows(rowsOf(cells(5)), options(new ScriptedEmbedder(), embeddingCache(memoryCache()), { observer: { onRequest: (i) => requests.push(i) } })),
    );
    expect(requests).toEqual([0, 3]);
    expect(out.reduce((n, r) => n + (r.outcome.usage.inputTokens ?? 0), 0)).toBe(10);
  });

  it('retries a failed batch and then succeeds', async () => {
    const embedder = new ScriptedEmbedder((_t, n) => {
      if (n === 1) throw new ProviderError('server', 'server error (500)', { status: 500 });
    });
    const retries: number[] = [];
    const out = await collect(
      embedRows(rowsOf(['a', 'b']), options(embedder, embeddingCache(memoryCache()), { observer: { onRetry: (e) => retries.push(e.attempt) } })),
    );
    expect(embedder.batches).toEqual([['a', 'b'], ['a', 'b']]);
    expect(retries).toEqual([1]);
    expect(out.map((r) => [r.outcome.status, r.outcome.attempts])).toEqual([['sent', 2], ['sent', 2]]);
  });

  it('a batch failing for good fails its rows and stores nothing', async () => {
    const map = new Map();
    const embedder = new ScriptedEmbedder((texts) => {
      if (texts.includes('bad')) throw new ProviderError('bad_request', 'request rejected (400)', { status: 400 });
    });
    const out = await collect(embedRows(rowsOf(['bad', 'x', 'y', 'ok']), options(embedder, embeddingCache(memoryCache(map)))));
    expect(out.map((r) => r.outcome.status)).toEqual(['failed', 'failed', 'failed', 'sent']);
    expect(out[0].outcome.error).toBe('request rejected (400)');
    expect(out[0].outcome.vector).toBeNull();
    expect([...map.keys()]).toEqual(['k:ok']);
  });

  it('an authentication failure ends the run', async () => {
    const embedder = new ScriptedEmbedder(() => {
      throw new ProviderError('auth', 'authentication failed (401)', { status: 401 });
    });
    await expect(collect(embedRows(rowsOf(cells(5)), options(embedder, embeddingCache(memoryCache()))))).rejects.toBeInstanceOf(FatalRunError);
  });

  it('reads at most `window` rows ahead of the consumer', async () => {
    const pulled = { count: 0 };
    const embedder = new ScriptedEmbedder(() => delay(1));
    const it = embedRows(rowsOf(cells(500), pulled), options(embedder, embeddingCache(memoryCache()), { batchSize: 10, window: 40 }));
    let yielded = 0;
    let maxAhead = 0;
    for await (const _ of it) {
      yielded++;
      maxAhead = Math.max(maxAhead, pulled.count - yielded);
    }
    expect(yielded).toBe(500);
    expect(maxAhead).toBeLessThanOrEqual(40);
  });

  it('after a soft stop no new batch is sent and unsent rows come back stopped', async () => {
    const stop = new AbortController();
    const embedder = new ScriptedEmbedder(async (_t, n) => {
      if (n === 1) stop.abort();
      await delay(5);
    });
    const out = await collect(
      embedRows(rowsOf(cells(30)), options(embedder, embeddingCache(memoryCache()), { batchSize: 3, concurrency: 1, fixedConcurrency: true, stop: stop.signal })),
    );
    expect(embedder.batches).toHaveLength(1);
    expect(out[0].outcome.status).toBe('sent');
    expect(out.slice(3).every((r) => r.outcome.stopped === true)).toBe(true);
  });

  it('sends a partly filled batch after lingerMs without a new row, and writes its rows before the next row arrives', async () => {
    const embedder = new ScriptedEmbedder();
    let readB = false;
    async function* trickle() {
      yield ['a'];
      await delay(50);
      readB = true;
      yield ['b'];
    }
    const got: Array<[string, boolean]> = [];
    for await (const r of embedRows(trickle(), options(embedder, embeddingCache(memoryCache()), { batchSize: 100, lingerMs: 5 }))) {
      got.push([String(r.row[0]), readB]);
    }
    expect(got).toEqual([['a', false], ['b', true]]);
    expect(embedder.batches).toEqual([['a'], ['b']]);
  });
});

describe('shareTokens', () => {
  it('splits by length and sums exactly', () => {
    expect(shareTokens(10, ['aaaa', 'a', 'aaaaa'])).toEqual([{ inputTokens: 4 }, { inputTokens: 1 }, { inputTokens: 5 }]);
    const shares = shareTokens(7, ['a', 'b', 'c']);
    expect(shares.reduce((n, s) => n + s.inputTokens!, 0)).toBe(7);
    expect(shareTokens(undefined, ['a'])).toEqual([{}]);
  });
});
