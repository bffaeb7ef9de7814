import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { createProvider, type ProviderOptions } from '../../src/providers/factory.js';
import type { Provider } from '../../src/providers/provider.js';
import { ProviderError } from '../../src/errors.js';

let server: FakeServer;
const open: Provider[] = [];
const live = () => new AbortController().signal;

async function provider(over: Partial<ProviderOptions> = {}): Promise<Provider> {
  const p = await createProvider({
    kind: 'openai',
    model: 'test-model',
    baseURL: `${server.url}/v1`,
    params: {},
    concurrency: 4,
    timeoutMs: 5_000,
    ...over,
  });
  open.push(p);
  return p;
}

beforeAll(async () => {
  server = await startFakeServer();
});
afterEach(async () => {
  server.reset();
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(() => server.close());

describe('openai adapter', () => {
  test('sends model and the user message only, and returns text, finish reason and usage', async () => {
    const p = await provider();
    const result = await p.complete({ prompt: 'Summarize: great phone' }, live());

    expect(result).toEqual({ text: 'echo:Summarize: great phone', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 3 } });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].method).toBe('POST');
    expect(server.requests[0].path).toBe('/v1/chat/completions');
    expect(server.requests[0].body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Summarize: great phone' }],
    });
    expect(p.id).toBe('openai');
    expect(p.model).toBe('test-model');
  });

  test('sends the system message first, and temperature and max_tokens when set', async () => {
    const p = await provider({ params: { temperature: 0, maxTokens: 50 } });
    await p.complete({ system: 'Be brief.', prompt: 'hi' }, live());

    expect(server.requests[0].body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      temperature: 0,
      max_tokens: 50,
    });
  });

  test('sends no Authorization header when there is no key (keyless local server)', async () => {
    const p = await provider({ apiKey: undefined });
    await p.complete({ prompt: 'hi' }, live());

    expect(server.requests[0].headers).not.toHaveProperty('authorization');
  });

  test('sends the key as a bearer token when given', async () => {
    const p = await provider({ apiKey: 'sk-test-123' });
    await p.complete({ prompt: 'hi' }, live());

    expect(server.requests[0].headers.authorization).toBe('Bearer sk-test-123');
  });

  test('a null content is an empty answer', async () => {
    server.setBehavior(() => ({
      body: { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'length' }] },
    }));
    const p = await provider();

    expect(await p.complete({ prompt: 'hi' }, live())).toEqual({ text: '', finishReason: 'length', usage: {} });
  });

  test('a response without choices is a bad_response', async () => {
    server.setBehavior(() => ({ body: { id: 'x', object: 'chat.completion', choices: [] } }));
    const p = await provider();

    const err = await p.complete({ prompt: 'hi' }, live()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'bad_response' });
    expect((err as Error).message).toBe(
      `unexpected response from ${server.url}/v1: no choices[0].message.content text`,
    );
  });

  test('a non-string content is a bad_response', async () => {
    server.setBehavior(() => ({
      body: { choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: 'x' }] }, finish_reason: 'stop' }] },
    }));
    const p = await provider();

    await expect(p.complete({ prompt: 'hi' }, live())).rejects.toMatchObject({ kind: 'bad_response' });
  });
});
