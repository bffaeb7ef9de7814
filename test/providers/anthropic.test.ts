import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { createProvider, type ProviderOptions } from '../../src/providers/factory.js';
import type { Provider } from '../../src/providers/provider.js';

let server: FakeServer;
const open: Provider[] = [];
const live = () => new AbortController().signal;

async function provider(over: Partial<ProviderOptions> = {}): Promise<Provider> {
  const p = await createProvider({
    kind: 'anthropic',
    model: 'claude-test',
    baseURL: server.url,
    apiKey: 'sk-ant-test',
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

describe('anthropic adapter', () => {
  test('posts /v1/messages with the default max_tokens 1024 and returns text, stop reason and usage', async () => {
    const p = await provider();
    const result = await p.complete({ prompt: 'Summarize: great phone' }, live());

    expect(result).toEqual({ text: 'echo:Summarize: great phone', finishReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 3 } });
    expect(server.requests[0].path).toBe('/v1/messages');
    expect(server.requests[0].body).toEqual({
      model: 'claude-test',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Summarize: great phone' }],
    });
    expect(server.requests[0].headers['x-api-key']).toBe('sk-ant-test');
    expect(server.requests[0].headers['anthropic-version']).toBeDefined();
    expect(p.id).toBe('anthropic');
  });

  test('sends system as the top-level field, and temperature and max_tokens when set', async () => {
    const p = await provider({ params: { temperature: 0.5, maxTokens: 20 } });
    await p.complete({ system: 'Be brief.', prompt: 'hi' }, live());

    expect(server.requests[0].body).toEqual({
      model: 'claude-test',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
      system: 'Be brief.',
      temperature: 0.5,
    });
  });

  test('concatenates the text blocks and skips the others', async () => {
    server.setBehavior(() => ({
      body: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-test',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Hello, ' },
          { type: 'text', text: 'world' },
        ],
        stop_reason: 'max_tokens',
        stop_sequence: null,
        usage: { input_tokens: 7, output_tokens: 2 },
      },
    }));
    const p = await provider();

    expect(await p.complete({ prompt: 'hi' }, live())).toEqual({
      text: 'Hello, world',
      finishReason: 'max_tokens',
      usage: { inputTokens: 7, outputTokens: 2 },
    });
  });

  test('sends no x-api-key and no Authorization header when there is no key', async () => {
    const p = await provider({ apiKey: undefined });
    await p.complete({ prompt: 'hi' }, live());

    expect(server.requests[0].headers).not.toHaveProperty('x-api-key');
    expect(server.requests[0].headers).not.toHaveProperty('authorization');
  });

  test('a body without content blocks is a bad_response', async () => {
    server.setBehavior(() => ({ body: { type: 'message', role: 'assistant' } }));
    const p = await provider();

    await expect(p.complete({ prompt: 'hi' }, live())).rejects.toMatchObject({
      kind: 'bad_response',
      message: `unexpected response from ${server.url}: no content blocks`,
    });
  });
});
