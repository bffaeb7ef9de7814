import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { createProvider } from '../../src/providers/factory.js';
import type { Provider, ProviderKind } from '../../src/providers/provider.js';
import { parseAnthropicRateLimit, parseGoDuration, parseOpenAIRateLimit, windowPeriods } from '../../src/providers/rate-limit-headers.js';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';

const OPENAI_HEADERS = {
  'x-ratelimit-limit-requests': '500',
  'x-ratelimit-remaining-requests': '499',
  'x-ratelimit-reset-requests': '120ms',
  'x-ratelimit-limit-tokens': '200000',
  'x-ratelimit-remaining-tokens': '199970',
  'x-ratelimit-reset-tokens': '6m0s',
};

const ANTHROPIC_HEADERS = {
  date: 'Wed, 01 Jan 2025 00:00:00 GMT',
  'anthropic-ratelimit-requests-limit': '50',
  'anthropic-ratelimit-requests-remaining': '49',
  'anthropic-ratelimit-requests-reset': '2025-01-01T00:00:01Z',
  'anthropic-ratelimit-tokens-limit': '80000',
  'anthropic-ratelimit-tokens-remaining': '79000',
  'anthropic-ratelimit-tokens-reset': '2025-01-01T00:00:30Z',
  'anthropic-ratelimit-input-tokens-limit': '40000',
  'anthropic-ratelimit-input-tokens-remaining': '39500',
  'anthropic-ratelimit-input-tokens-reset': '2025-01-01T00:00:15Z',
};

describe('parseGoDuration', () => {
  it('reads the durations OpenAI sends', () => {
    expect(['1s', '6m0s', '120ms', '7.66s', '1h2m3s', '0s', '17ms', '2m30.5s'].map(parseGoDuration)).toEqual([
      1_000, 360_000, 120, 7_660, 3_723_000, 0, 17, 150_500,
    ]);
    expect(['', '5', 'soon', '1s garbage', null].map(parseGoDuration)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('parseOpenAIRateLimit', () => {
  it("reads Groq's headers as Groq means them: requests per day, tokens per minute", () => {
    // Groq's documented example: 14,400 requests a day (30 used), 18,000 tokens a minute.
    const groq = new Headers({
      'x-ratelimit-limit-requests': '14400',
      'x-ratelimit-limit-tokens': '18000',
      'x-ratelimit-remaining-requests': '14370',
      'x-ratelimit-remaining-tokens': '17997',
      'x-ratelimit-reset-requests': '2m59.56s',
      'x-ratelimit-reset-tokens': '7.66s',
    });
    expect(parseOpenAIRateLimit(groq, windowPeriods('https://api.groq.com/openai/v1'))).toEqual({
      requests: { limit: 14_400, remaining: 14_370, resetMs: 179_560, periodMs: 86_400_000 },
      tokens: { limit: 18_000, remaining: 17_997, resetMs: 7_660 },
    });
    // OpenAI's own counts per minute, whatever the numbers.
    expect(parseOpenAIRateLimit(groq, windowPeriods(undefined))?.requests?.periodMs).toBeUndefined();
    expect(parseOpenAIRateLimit(groq, windowPeriods('https://api.openai.com/v1'))?.requests?.periodMs).toBeUndefined();
    expect(parseOpenAIRateLimit(groq, windowPeriods('http://127.0.0.1:8000/v1'))?.requests?.periodMs).toBeUndefined();
  });

  it('reads limit, remaining and reset of requests and tokens', () => {
    expect(parseOpenAIRateLimit(new Headers(OPENAI_HEADERS))).toEqual({
      requests: { limit: 500, remaining: 499, resetMs: 120 },
      tokens: { limit: 200_000, remaining: 199_970, resetMs: 360_000 },
    });
  });

  it('keeps the parts that are present and returns undefined when none is', () => {
    expect(parseOpenAIRateLimit(new Headers({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-limit-requests': 'many' }))).toEqual({
      tokens: { remaining: 0 },
    });
    expect(parseOpenAIRateLimit(new Headers({ 'content-type': 'application/json' }))).toBeUndefined();
  });
});

describe('parseAnthropicRateLimit', () => {
  it('reads requests and the combined token limit, resets measured from the server date', () => {
    expect(parseAnthropicRateLimit(new Headers(ANTHROPIC_HEADERS), Date.UTC(2030, 0, 1))).toEqual({
      requests: { limit: 50, remaining: 49, resetMs: 1_000 },
      tokens: { limit: 80_000, remaining: 79_000, resetMs: 30_000 },
    });
  });

  it('falls back to the input-token limit, and to the local clock without a date header', () => {
    const only = Object.fromEntries(Object.entries(ANTHROPIC_HEADERS).filter(([k]) => k.includes('input-tokens')));
    expect(parseAnthropicRateLimit(new Headers(only), Date.UTC(2025, 0, 1, 0, 0, 5))).toEqual({
      tokens: { limit: 40_000, remaining: 39_500, resetMs: 10_000 },
    });
    expect(parseAnthropicRateLimit(new Headers({ 'anthropic-ratelimit-requests-reset': '2024-01-01T00:00:00Z' }), Date.UTC(2025, 0, 1))).toEqual({
      requests: { resetMs: 0 },
    });
  });
});

describe('adapters surface the rate-limit headers', () => {
  let server: FakeServer;
  const open: Provider[] = [];
  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterEach(async () => {
    server.reset();
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(() => server.close());

  async function provider(kind: ProviderKind): Promise<Provider> {
    const baseURL = kind === 'openai' ? `${server.url}/v1` : server.url;
    const p = await createProvider({ kind, model: 'm', baseURL, params: { maxTokens: 10 }, concurrency: 2, timeoutMs: 5_000 });
    open.push(p);
    return p;
  }

  const live = () => new AbortController().signal;

  it('openai: on a success and on a 429', async () => {
    const p = await provider('openai');
    server.setBehavior((_req, n) =>
      n === 1
        ? { headers: OPENAI_HEADERS }
        : { status: 429, retryAfter: 2, headers: { ...OPENAI_HEADERS, 'x-ratelimit-remaining-requests': '0' } },
    );
    const ok = await p.complete({ prompt: 'hi' }, live());
    expect(ok.rateLimit).toEqual({
      requests: { limit: 500, remaining: 499, resetMs: 120 },
      tokens: { limit: 200_000, remaining: 199_970, resetMs: 360_000 },
    });
    const err = (await p.complete({ prompt: 'hi' }, live()).catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe('rate_limit');
    expect(err.retryAfterMs).toBe(2_000);
    expect(err.rateLimit?.requests).toEqual({ limit: 500, remaining: 0, resetMs: 120 });
  });

  it('anthropic: on a success and on a 429; no rateLimit when the server sends none', async () => {
    const p = await provider('anthropic');
    server.setBehavior((_req, n) =>
      n === 1 ? { headers: ANTHROPIC_HEADERS } : n === 2 ? { status: 429, retryAfter: 5, headers: ANTHROPIC_HEADERS } : undefined,
    );
    const ok = await p.complete({ prompt: 'hi' }, live());
    expect(ok.rateLimit).toEqual({
      requests: { limit: 50, remaining: 49, resetMs: 1_000 },
      tokens: { limit: 80_000, remaining: 79_000, resetMs: 30_000 },
    });
    const err = (await p.complete({ prompt: 'hi' }, live()).catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('rate_limit');
    expect(err.retryAfterMs).toBe(5_000);
    expect(err.rateLimit?.tokens).toEqual({ limit: 80_000, remaining: 79_000, resetMs: 30_000 });
    expect('rateLimit' in (await p.complete({ prompt: 'hi' }, live()))).toBe(false);
  });
});
