import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { UsageError, ProviderError } from '../../src/errors.js';
import { echoVector } from '../../src/providers/echo-embedder.js';
import { createEmbedder, type Embedder, type EmbedderOptions } from '../../src/providers/embeddings.js';
import { embeddings } from '../fake-server/openai.js';
import { failure, startFakeServer, type FakeServer } from '../fake-server/server.js';

let server: FakeServer;
const open: Embedder[] = [];
const live = () => new AbortController().signal;

async function embedder(over: Partial<EmbedderOptions> = {}): Promise<Embedder> {
  const e = await createEmbedder({ kind: 'openai', model: 'emb', baseURL: `${server.url}/v1`, params: {}, concurrency: 2, timeoutMs: 5_000, ...over });
  open.push(e);
  return e;
}

/** The fake server's answer for `texts` as float arrays (what servers ignoring base64 send). */
function floatBody(texts: string[], dimension = 8) {
  return embeddings({ model: 'emb', input: texts }, dimension);
}

function fakeVectors(texts: string[]): Float32Array[] {
  return floatBody(texts).data.map((d: { embedding: number[] }) => Float32Array.from(d.embedding));
}

beforeAll(async () => {
  server = await startFakeServer();
});
afterEach(async () => {
  server.reset();
  await Promise.all(open.splice(0).map((e) => e.close()));
});
afterAll(() => server.close());

describe('OpenAI embedder', () => {
  test('asks for base64, decodes the float32 vectors, and reports usage', async () => {
    const e = await embedder({ apiKey: 'sk-test' });
    const result = await e.embed(['hello world', 'bye'], live());
    expect(server.requests.map((r) => [r.path, r.body])).toEqual([
      ['/v1/embeddings', { model: 'emb', input: ['hello world', 'bye'], encoding_format: 'base64' }],
    ]);
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-test');
    expect(result.vectors).toEqual(fakeVectors(['hello world', 'bye']));
    expect(result.usage).toEqual({ inputTokens: 3 });
  });

  test('sends dimensions when given', async () => {
    const result = await (await embedder({ dimensions: 3 })).embed(['x'], live());
    expect(server.requests[0].body.dimensions).toBe(3);
    expect(result.vectors[0]).toHaveLength(3);
  });

  test('accepts float arrays from servers that ignore encoding_format, and puts them in index order', async () => {
    const body = floatBody(['a', 'b', 'c']);
    body.data.reverse();
    server.setBehavior(() => ({ body }));
    const result = await (await embedder()).embed(['a', 'b', 'c'], live());
    expect(result.vectors).toEqual(fakeVectors(['a', 'b', 'c']));
  });

  test.each([
    ['too few vectors', () => ({ ...floatBody(['a']) }), '1 embeddings for 2 inputs'],
    ['an index twice', () => ({ data: floatBody(['a', 'b']).data.map((d: object) => ({ ...d, index: 0 })) }), 'index 0 answered twice'],
    ['an index out of range', () => ({ data: floatBody(['a', 'b']).data.map((d: object, i: number) => ({ ...d, index: i + 1 })) }), 'index 2 is not one of the 2 inputs'],
    ['vectors of two lengths', () => ({ data: [floatBody(['a']).data[0], { ...floatBody(['b'], 4).data[0], index: 1 }] }), 'embedding 1 has 4 values, embedding 0 has 8'],
    ['no data', () => ({ object: 'list' }), 'no data array'],
    ['a bad vector', () => ({ data: [{ index: 0, embedding: 'abc' }, { index: 1, embedding: [1, 'x'] }] }), 'embedding 0 is neither base64 float32 nor an array of numbers'],
  ])('refuses a response with %s (retryable bad_response)', async (_name, body, why) => {
    server.setBehavior(() => ({ body: body() }));
    const err = await (await embedder()).embed(['a', 'b'], live()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).kind).toBe('bad_response');
    expect((err as ProviderError).retryable).toBe(true);
    expect((err as ProviderError).message).toBe(`unexpected embeddings response from ${server.url}/v1: ${why}`);
  });

  test('maps errors like chat: 429 with retry-after and rate-limit headers', async () => {
    server.setBehavior(() => failure('rate_limit', { retryAfterMs: 250, headers: { 'x-ratelimit-limit-requests': '60' } }));
    const err = (await (await embedder()).embed(['a'], live()).catch((e: unknown) => e)) as ProviderError;
    expect(err.kind).toBe('rate_limit');
    expect(err.retryAfterMs).toBe(250);
    expect(err.rateLimit?.requests?.limit).toBe(60);
  });
});

describe('createEmbedder', () => {
  test('Anthropic is refused with a clear message', async () => {
    await expect(createEmbedder({ kind: 'anthropic', model: 'm', params: {}, concurrency: 1, timeoutMs: 1000 })).rejects.toEqual(
      new UsageError('Anthropic has no embeddings endpoint; embed with -p openai or an OpenAI-compatible provider (see llmap providers)'),
    );
  });

  test('echo gives a deterministic unit vector per text, of --dimensions values', async () => {
    const e = await createEmbedder({ kind: 'echo', model: 'echo', params: {}, concurrency: 1, timeoutMs: 1000, dimensions: 20 });
    const { vectors } = await e.embed(['a', 'b', 'a'], live());
    expect(vectors[0]).toHaveLength(20);
    expect(vectors[0]).toEqual(vectors[2]);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(vectors[0]).toEqual(echoVector('a', 20));
    expect(Math.hypot(...vectors[0])).toBeCloseTo(1, 5);
  });
});
