import { describe, expect, it } from 'vitest';
import { cacheKey, type CacheKeyInput } from '../../src/cache/key.js';
import type { GenerationParams } from '../../src/providers/provider.js';
import { runHelper } from './helpers/spawn.js';

const base: CacheKeyInput = {
  provider: 'openai',
  baseURL: 'http://127.0.0.1:8080/v1/',
  model: 'gpt-4o-mini',
  params: { temperature: 0, maxTokens: 256 },
  system: 'You are terse.',
  prompt: 'Classify: I love it ☺',
};

// sha256 of {"baseURL":"http://127.0.0.1:8080/v1","model":"gpt-4o-mini","params":{"maxTokens":256,
// "temperature":0},"prompt":"Classify: I love it ☺","provider":"openai","system":"You are terse."}
// If this changes, every user's cache is silently invalidated: bump KEY_VERSION on purpose instead.
const PINNED = 'v1:cace2d95c6c2b4c8778b0886f0744061e2fa5dd8fb60fd48f20852ffa2a66250';

describe('cacheKey', () => {
  it('is the pinned value for a fixed input (the key scheme must not change by accident)', () => {
    expect(cacheKey(base)).toBe(PINNED);
  });

  it('is the same in another process', { timeout: 60_000 }, async () => {
    const { code, stdout, stderr } = await runHelper('print-key.mjs', [JSON.stringify(base)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(PINNED);
  });

  it('changes with every field', () => {
    const variants: CacheKeyInput[] = [
      { ...base, provider: 'anthropic' },
      { ...base, baseURL: undefined },
      { ...base, baseURL: 'http://127.0.0.1:8081/v1' },
      { ...base, model: 'gpt-4o' },
      { ...base, params: { ...base.params, temperature: 0.7 } },
      { ...base, params: { ...base.params, maxTokens: 257 } },
      { ...base, params: { temperature: 0 } },
      { ...base, system: undefined },
      { ...base, system: '' },
      { ...base, system: 'You are verbose.' },
      { ...base, prompt: 'Classify: I love it' },
      { ...base, prompt: '' },
    ];
    const keys = new Set([cacheKey(base), ...variants.map(cacheKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('includes the query (Azure api-version) but not when it is empty', () => {
    const v1 = cacheKey({ ...base, query: { 'api-version': '2024-10-21' } });
    expect(v1).not.toBe(PINNED);
    expect(cacheKey({ ...base, query: { 'api-version': '2025-01-01' } })).not.toBe(v1);
    expect(cacheKey({ ...base, query: {} })).toBe(PINNED);
  });

  it('includes a generation parameter added later without code changes', () => {
    const withTopP = { ...base.params, topP: 0.9 } as GenerationParams;
    expect(cacheKey({ ...base, params: withTopP })).not.toBe(PINNED);
    const withStop = { ...base.params, stop: ['\n', 'END'] } as GenerationParams;
    const withOtherStop = { ...base.params, stop: ['END', '\n'] } as GenerationParams;
    expect(cacheKey({ ...base, params: withStop })).not.toBe(cacheKey({ ...base, params: withOtherStop }));
  });

  it('ignores the order of params keys and params set to undefined', () => {
    expect(cacheKey({ ...base, params: { maxTokens: 256, temperature: 0 } })).toBe(PINNED);
    const withUndefined = { ...base.params, topP: undefined } as GenerationParams;
    expect(cacheKey({ ...base, params: withUndefined })).toBe(PINNED);
  });

  it('ignores trailing slashes of the base URL', () => {
    expect(cacheKey({ ...base, baseURL: 'http://127.0.0.1:8080/v1' })).toBe(PINNED);
    expect(cacheKey({ ...base, baseURL: 'http://127.0.0.1:8080/v1///' })).toBe(PINNED);
  });

  it('never contains or depends on secrets', () => {
    const secret = 'sk-live-SECRET123';
    const withSecrets = { ...base, apiKey: secret, headers: { authorization: `Bearer ${secret}` } } as CacheKeyInput;
    expect(cacheKey(withSecrets)).toBe(PINNED);
    // Credentials in the URL do not change the answer, so they must not reach the hash either.
    const inURL = cacheKey({ ...base, baseURL: `http://user:${secret}@127.0.0.1:8080/v1/` });
    expect(inURL).toBe(PINNED);
    expect(inURL).toMatch(/^v1:[0-9a-f]{64}$/);
  });
});
