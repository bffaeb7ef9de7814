import { describe, expect, it } from 'vitest';
import type { CachedResponse } from '../../src/cache/cache.js';
import { memoryCache } from '../../src/cache/response-cache.js';
import { dryRun, type DryRunOptions } from '../../src/engine/dry-run.js';
import type { Row } from '../../src/io/table.js';
import type { ChatRequest } from '../../src/providers/provider.js';

async function* rowsOf(...cells: string[]): AsyncIterable<Row> {
  for (const c of cells) yield [c];
}

const stored = (text: string): CachedResponse => ({ text, finishReason: 'stop', usage: {}, storedAt: 0 });
// Keys shaped like the real ones (`v1:` + hex), so the dedupe's short id sees distinct prefixes.
const key = (req: ChatRequest) => `v1:${Buffer.from(`${req.system ?? ''}|${req.prompt}`).toString('hex').padEnd(16, '0')}`;

function options(over: Partial<DryRunOptions> = {}): DryRunOptions {
  return {
    render: (row) => String(row[0]),
    cache: memoryCache(),
    cacheKey: key,
    countTokens: (req) => req.prompt.length,
    repeatsAreHits: true,
    ...over,
  };
}

describe('dryRun', () => {
  it('counts rows, empty prompts, cache hits, repeats and the tokens of what is left to send', async () => {
    const cache = memoryCache(new Map([[key({ prompt: 'cached' }), stored('x')]]));
    const counted: string[] = [];
    const counts = await dryRun(rowsOf('a', '', 'cached', 'bb', 'a', '  ', 'cached', 'ccc'), {
      ...options({ cache }),
      countTokens: (req) => {
        counted.push(req.prompt);
        return req.prompt.length;
      },
    });
    expect(counts).toEqual({ rows: 8, skipped: 2, cacheHits: 3, requests: 3, inputTokens: 6 });
    expect(counted.sort()).toEqual(['a', 'bb', 'ccc']);
  });

  it('the system message is part of the key and of the tokens', async () => {
    const cache = memoryCache(new Map([[key({ prompt: 'a' }), stored('x')]]));
    const counts = await dryRun(rowsOf('a'), { ...options({ cache, system: 'sys' }), countTokens: (req) => (req.system ?? '').length + req.prompt.length });
    expect(counts).toEqual({ rows: 1, skipped: 0, cacheHits: 0, requests: 1, inputTokens: 4 });
  });

  it('without a serving cache (--no-cache, write, refresh) a repeat counts as another request', async () => {
    const counts = await dryRun(rowsOf('a', 'a', 'b'), options({ repeatsAreHits: false }));
    expect(counts).toEqual({ rows: 3, skipped: 0, cacheHits: 0, requests: 3, inputTokens: 3 });
  });

  it('reads a large input in order with many lookups in flight', async () => {
    async function* many(): AsyncIterable<Row> {
      for (let i = 0; i < 5000; i++) yield [`p${i % 1000}`];
    }
    const counts = await dryRun(many(), options({ lookups: 8 }));
    expect(counts).toEqual({ rows: 5000, skipped: 0, cacheHits: 4000, requests: 1000, inputTokens: 10 * 2 + 90 * 3 + 900 * 4 });
  });
});
