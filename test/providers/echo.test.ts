import { expect, test } from 'vitest';
import { createProvider, defaultApiKeyEnv } from '../../src/providers/factory.js';
import { estimateTokens } from '../../src/providers/echo.js';
import { ProviderError, UsageError } from '../../src/errors.js';
import type { ProviderKind } from '../../src/providers/provider.js';

const config = { kind: 'echo' as const, model: 'echo', params: {}, concurrency: 1, timeoutMs: 1000 };

test('echo answers with the prompt, ignoring the system message', async () => {
  const p = await createProvider(config);
  const result = await p.complete({ system: 'Be brief.', prompt: 'Summarize: great phone' }, new AbortController().signal);

  expect(result).toEqual({ text: 'Summarize: great phone', finishReason: 'stop', usage: { inputTokens: 6, outputTokens: 6 } });
  expect(p.id).toBe('echo');
  await p.close();
});

test('echo rejects with aborted when the signal has fired', async () => {
  const p = await createProvider(config);
  const controller = new AbortController();
  controller.abort();

  const err = await p.complete({ prompt: 'x' }, controller.signal).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProviderError);
  expect(err).toMatchObject({ kind: 'aborted' });
});

test('estimateTokens is about four characters a token', () => {
  expect(estimateTokens('')).toBe(0);
  expect(estimateTokens('abcd')).toBe(1);
  expect(estimateTokens('abcde')).toBe(2);
});

test('default key variables', () => {
  expect(defaultApiKeyEnv('openai')).toBe('OPENAI_API_KEY');
  expect(defaultApiKeyEnv('anthropic')).toBe('ANTHROPIC_API_KEY');
  expect(defaultApiKeyEnv('echo')).toBeUndefined();
});

test('an unknown provider kind is a usage error listing the kinds', async () => {
  await expect(createProvider({ ...config, kind: 'mistral' as ProviderKind })).rejects.toThrow(
    new UsageError("unknown provider 'mistral'; providers are: openai, anthropic, echo"),
  );
});
