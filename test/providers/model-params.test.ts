/**
 * The request body each model family gets: OpenAI's reasoning models (o1, o3, o4, gpt-5) take
 * `max_completion_tokens` and no temperature but 1; other OpenAI models and servers that only copy
 * OpenAI's API keep `max_tokens` and `temperature`; Anthropic always sends `max_tokens`.
 */
import { describe, expect, it } from 'vitest';
import { requestBody as anthropicBody } from '../../src/providers/anthropic-body.js';
import { checkModelParams } from '../../src/providers/model-params.js';
import { requestBody as openaiBody } from '../../src/providers/openai-body.js';
import type { ProviderConfig } from '../../src/providers/provider.js';

function config(model: string, extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return { kind: 'openai', model, params: { maxTokens: 300 }, concurrency: 1, timeoutMs: 1000, ...extra };
}

const request = { system: 'Be brief.', prompt: 'hello' };
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'hello' },
];

describe('OpenAI request bodies by model family', () => {
  it.each(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-3.5-turbo', 'gpt-5-chat-latest'])('%s: max_tokens and temperature', (model) => {
    expect(openaiBody(config(model, { params: { maxTokens: 300, temperature: 0.2 } }), request)).toEqual({
      model,
      messages,
      temperature: 0.2,
      max_tokens: 300,
    });
  });

  it.each(['o1', 'o1-mini', 'o3', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5.1'])(
    '%s: max_completion_tokens, and temperature only as 1',
    (model) => {
      expect(openaiBody(config(model), request)).toEqual({ model, messages, max_completion_tokens: 300 });
      const one = config(model, { params: { maxTokens: 300, temperature: 1 } });
      expect(() => checkModelParams(one)).not.toThrow();
      expect(openaiBody(one, request)).toEqual({ model, messages, temperature: 1, max_completion_tokens: 300 });
    },
  );

  it('the same on Azure OpenAI, which serves the same models', () => {
    expect(openaiBody(config('o3-mini', { baseURL: 'https://acme.openai.azure.com/openai/v1' }), request)).toEqual({
      model: 'o3-mini',
      messages,
      max_completion_tokens: 300,
    });
  });

  it('a server that copies the API keeps max_tokens and temperature, whatever the model is called', () => {
    const local = config('o3-mini', { baseURL: 'http://127.0.0.1:11434/v1', params: { maxTokens: 300, temperature: 0.2 } });
    expect(() => checkModelParams(local)).not.toThrow();
    expect(openaiBody(local, request)).toEqual({ model: 'o3-mini', messages, temperature: 0.2, max_tokens: 300 });
  });

  it('a reasoning model asked for another temperature is a clear error before any call', () => {
    expect(() => checkModelParams(config('gpt-5-mini', { params: { temperature: 0 } }))).toThrow(
      "OpenAI's reasoning model 'gpt-5-mini' takes no temperature but the default 1, got 0; drop --temperature (or the profile's temperature)",
    );
    expect(() => checkModelParams(config('gpt-4o', { params: { temperature: 0 } }))).not.toThrow();
  });

  it('no cap set: no cap field', () => {
    expect(openaiBody(config('o3-mini', { params: {} }), request)).toEqual({ model: 'o3-mini', messages });
    expect(openaiBody(config('gpt-4o', { params: {} }), request)).toEqual({ model: 'gpt-4o', messages });
  });
});

describe('Anthropic request body', () => {
  it('system on top, max_tokens always (1024 by default), temperature when set', () => {
    const c = { ...config('claude-sonnet-4-5'), kind: 'anthropic' as const };
    expect(anthropicBody({ ...c, params: { temperature: 0.2, maxTokens: 300 } }, request)).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'Be brief.',
      max_tokens: 300,
      temperature: 0.2,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(anthropicBody({ ...c, params: {} }, { prompt: 'hello' })).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'hello' }],
    });
  });
});
