/**
 * The chat hot path speaks HTTP itself (providers/json-transport.ts); these tests pin that it sends
 * what the official SDKs send and reads what they read, so the fake server and the real APIs stay
 * interchangeable for it.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { createAnthropicProvider, requestBody as anthropicBody } from '../../src/providers/anthropic.js';
import { createOpenAIProvider, requestBody as openaiBody } from '../../src/providers/openai.js';
import type { ProviderConfig } from '../../src/providers/provider.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());

const request = { system: 'Be brief.', prompt: 'Summarize: "quotes", émoji 👋 and\nnewlines' };

function config(kind: 'openai' | 'anthropic'): ProviderConfig {
  return {
    kind,
    model: 'm-1',
    baseURL: kind === 'openai' ? `${server.url}/v1` : server.url,
    apiKey: 'sk-parity',
    params: { temperature: 0.2, maxTokens: 64 },
    concurrency: 2,
    timeoutMs: 5_000,
  };
}

test('OpenAI: same path, body, auth header and parsed result as the openai SDK', async () => {
  server.reset();
  const cfg = config('openai');
  const sdk = new OpenAI({ apiKey: 'sk-parity', baseURL: cfg.baseURL, maxRetries: 0 });
  const viaSdk = await sdk.chat.completions.create(openaiBody(cfg, request));
  const provider = createOpenAIProvider(cfg);
  const ours = await provider.complete(request, new AbortController().signal);
  await provider.close();
  const [a, b] = server.requests;
  expect(b.path).toBe(a.path);
  expect(b.body).toEqual(a.body);
  expect(b.headers.authorization).toBe(a.headers.authorization);
  expect(b.headers['content-type']).toBe('application/json');
  expect(ours).toEqual({
    text: viaSdk.choices[0].message.content,
    finishReason: viaSdk.choices[0].finish_reason,
    usage: { inputTokens: viaSdk.usage!.prompt_tokens, outputTokens: viaSdk.usage!.completion_tokens },
  });
});

test('Anthropic: same path, body, key and version headers and parsed result as @anthropic-ai/sdk', async () => {
  server.reset();
  const cfg = config('anthropic');
  const sdk = new Anthropic({ apiKey: 'sk-parity', baseURL: cfg.baseURL, maxRetries: 0 });
  const viaSdk = await sdk.messages.create(anthropicBody(cfg, request));
  const provider = createAnthropicProvider(cfg);
  const ours = await provider.complete(request, new AbortController().signal);
  await provider.close();
  const [a, b] = server.requests;
  expect(b.path).toBe(a.path);
  expect(b.body).toEqual(a.body);
  expect(b.headers['x-api-key']).toBe(a.headers['x-api-key']);
  expect(b.headers['anthropic-version']).toBe(a.headers['anthropic-version']);
  const block = viaSdk.content[0];
  expect(ours).toEqual({
    text: block.type === 'text' ? block.text : undefined,
    finishReason: viaSdk.stop_reason,
    usage: { inputTokens: viaSdk.usage.input_tokens, outputTokens: viaSdk.usage.output_tokens },
  });
});

test('a profile\'s extra headers, and Azure\'s api-key header and api-version query, reach the server', async () => {
  server.reset();
  const provider = createOpenAIProvider({
    ...config('openai'),
    headers: { 'x-team': 'data' },
    keyHeader: 'api-key',
    query: { 'api-version': '2024-10-21' },
  });
  await provider.complete(request, new AbortController().signal);
  await provider.close();
  const [r] = server.requests;
  expect(r.headers['x-team']).toBe('data');
  expect(r.headers['api-key']).toBe('sk-parity');
  expect(r.headers.authorization).toBeUndefined();
  expect(r.path).toBe('/v1/chat/completions');
});
