import { getEventListeners } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { createProvider } from '../../src/providers/factory.js';
import { parseRetryAfter } from '../../src/providers/errors.js';
import type { Provider, ProviderKind } from '../../src/providers/provider.js';
import { ProviderError } from '../../src/errors.js';

let server: FakeServer;
const open: Provider[] = [];
const live = () => new AbortController().signal;

beforeAll(async () => {
  server = await startFakeServer();
});
afterEach(async () => {
  server.reset();
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(() => server.close());

const vendors: { kind: ProviderKind; env: string; base: () => string }[] = [
  { kind: 'openai', env: 'OPENAI_API_KEY', base: () => `${server.url}/v1` },
  { kind: 'anthropic', env: 'ANTHROPIC_API_KEY', base: () => server.url },
];

describe.each(vendors)('$kind errors', ({ kind, env, base }) => {
  async function provider(over: { apiKey?: string; timeoutMs?: number; baseURL?: string } = {}): Promise<Provider> {
    const p = await createProvider({
      kind,
      model: 'm',
      baseURL: over.baseURL ?? base(),
      apiKey: 'apiKey' in over ? over.apiKey : 'sk-secret-key-42',
      apiKeyEnv: env,
      params: {},
      concurrency: 2,
      timeoutMs: over.timeoutMs ?? 5_000,
    });
    open.push(p);
    return p;
  }
  async function failure(p: Provider, signal = live()): Promise<ProviderError> {
    const err = await p.complete({ prompt: 'hi' }, signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }

  test('429 with retry-after-ms is a rate_limit carrying the delay and the request id', async () => {
    server.setBehavior(() => ({ status: 429, retryAfterMs: '10' }));
    const err = await failure(await provider());

    expect(err).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 10, requestId: 'req_fake1', retryable: true });
    expect(err.message).toMatch(new RegExp(`^rate limited \\(429\\) by ${base()}: `));
  });

  test('429 with retry-after in seconds', async () => {
    server.setBehavior(() => ({ status: 429, retryAfter: '2' }));

    expect(await failure(await provider())).toMatchObject({ kind: 'rate_limit', retryAfterMs: 2000 });
  });

  test.each([500, 503, 529, 409])('%i is a retryable server error', async (status) => {
    server.setBehavior(() => ({ status, message: 'try later' }));
    const err = await failure(await provider());

    expect(err).toMatchObject({ kind: 'server', status, retryable: true });
    expect(err.message).toBe(`server error (${status}) at ${base()}: try later`);
  });

  test('408 is a timeout', async () => {
    server.setBehavior(() => ({ status: 408 }));

    expect(await failure(await provider())).toMatchObject({ kind: 'timeout', status: 408 });
  });

  test("400 is a bad_request with the server's message, on one line, the key scrubbed", async () => {
    server.setBehavior(() => ({ status: 400, message: 'max_tokens is too large:\n  sk-secret-key-42 (limit 8192)' }));
    const err = await failure(await provider());

    expect(err).toMatchObject({ kind: 'bad_request', status: 400, retryable: false });
    expect(err.message).toBe(`request rejected (400) by ${base()}: max_tokens is too large: *** (limit 8192)`);
  });

  test('401 is a fatal auth error naming the variable and never the key', async () => {
    // The fake server echoes the wrong key in its 401 body, as some real servers partly do.
    server.setBehavior(() => ({ status: 401, message: 'Incorrect API key provided: sk-secret-key-42' }));
    const err = await failure(await provider());

    expect(err).toMatchObject({ kind: 'auth', status: 401, fatal: true, retryable: false });
    expect(err.message).toBe(`authentication failed (401) at ${base()}: check the API key in $${env}`);
    expect(err.message).not.toContain('sk-secret');
  });

  test('401 from a server checking the key, when none was sent', async () => {
    const guarded = await startFakeServer({ apiKey: 'right-key' });
    try {
      const url = kind === 'openai' ? `${guarded.url}/v1` : guarded.url;
      const err = await failure(await provider({ apiKey: undefined, baseURL: url }));

      expect(err.message).toBe(`authentication failed (401) at ${url}: no API key was sent; set $${env}`);
    } finally {
      await guarded.close();
    }
  });

  test('403 is an auth error', async () => {
    server.setBehavior(() => ({ status: 403 }));

    expect(await failure(await provider())).toMatchObject({ kind: 'auth', status: 403 });
  });

  test('a socket reset is a network error', async () => {
    server.setBehavior(() => ({ reset: true }));
    const err = await failure(await provider());

    expect(err).toMatchObject({ kind: 'network', retryable: true });
    expect(err.message).toBe(`network error talking to ${base()}: connection closed by the server`);
  });

  test('a refused connection is a network error that says so', async () => {
    const gone = await startFakeServer();
    await gone.close();
    const url = kind === 'openai' ? `${gone.url}/v1` : gone.url;
    const err = await failure(await provider({ baseURL: url }));

    expect(err.kind).toBe('network');
    expect(err.message).toBe(`network error talking to ${url}: connection refused (is the server running and the --base-url right?)`);
  });

  test('a server that never answers is a timeout after timeoutMs', async () => {
    server.setBehavior(() => ({ hang: true }));
    const err = await failure(await provider({ timeoutMs: 150 }));

    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(err.message).toBe(`no answer from ${base()} within 150 ms`);
  });

  test('a 200 with malformed JSON is a bad_response', async () => {
    server.setBehavior(() => ({ malformed: true }));
    const err = await failure(await provider());

    expect(err).toMatchObject({ kind: 'bad_response', retryable: true });
    expect(err.message).toBe(`invalid JSON in the response from ${base()}`);
  });

  test('a 200 with an empty body is a bad_response', async () => {
    server.setBehavior(() => ({ empty: true }));

    expect(await failure(await provider())).toMatchObject({ kind: 'bad_response' });
  });

  test('aborting while the request is in flight rejects with aborted', async () => {
    const controller = new AbortController();
    server.setBehavior(() => {
      controller.abort();
      return { hang: true };
    });
    const err = await failure(await provider(), controller.signal);

    expect(err).toMatchObject({ kind: 'aborted', message: 'request aborted', retryable: false });
  });

  test('calls sharing one signal add one abort listener in all, and aborting it ends every call in flight', async () => {
    const controller = new AbortController();
    const p = await provider();
    await Promise.all(Array.from({ length: 20 }, () => p.complete({ prompt: 'hi' }, controller.signal)));
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);

    let hung = 0;
    let bothHung!: () => void;
    const arrived = new Promise<void>((resolve) => (bothHung = resolve));
    server.setBehavior(() => {
      if (++hung === 2) bothHung();
      return { hang: true };
    });
    const calls = [0, 1].map(() => p.complete({ prompt: 'hi' }, controller.signal).catch((e: ProviderError) => e));
    await arrived;
    controller.abort();
    const errs = await Promise.all(calls);
    expect(errs.map((e) => (e as ProviderError).kind)).toEqual(['aborted', 'aborted']);
  });

  test('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(await provider(), controller.signal);

    expect(err.kind).toBe('aborted');
    expect(server.requests).toHaveLength(0);
  });
});

describe('parseRetryAfter', () => {
  test('retry-after-ms wins, in ms', () => {
    expect(parseRetryAfter('250', '3')).toBe(250);
  });
  test('retry-after in seconds', () => {
    expect(parseRetryAfter(undefined, '1.5')).toBe(1500);
  });
  test('retry-after as an HTTP date, relative to now, never negative', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter(undefined, 'Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(undefined, 'Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
  });
  test('garbage and negative values give no delay', () => {
    expect(parseRetryAfter('soon', 'later')).toBeUndefined();
    expect(parseRetryAfter('-5', '-1')).toBeUndefined();
    expect(parseRetryAfter('', '')).toBeUndefined();
  });
});
