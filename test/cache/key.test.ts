import { describe, expect, it } from 'vitest';
import { cacheKey, cacheKeyFor, type CacheKeyInput } from '../../src/cache/key.js';
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

  it('includes the schema of typed answers, canonically, and leaves keys without one as they were', () => {
    const schema = { type: 'object', required: ['label'], properties: { label: { type: 'string', enum: ['a', 'b'] } } };
    // sha256 of the pinned input's JSON with "schema":{"properties":...,"required":["label"],"type":"object"}
    // between "provider" and "system" (keys sorted).
    expect(cacheKey({ ...base, schema })).toBe('v1:a10261011237db55d178fcb578040dbaa736f0e6d56eb811753eef80f108b5c7');
    const reordered = { properties: { label: { enum: ['a', 'b'], type: 'string' } }, type: 'object', required: ['label'] };
    expect(cacheKey({ ...base, schema: reordered })).toBe(cacheKey({ ...base, schema }));
    expect(cacheKey({ ...base, schema: { ...schema, required: [] } })).not.toBe(cacheKey({ ...base, schema }));
    expect(cacheKey({ ...base, schema: undefined })).toBe(PINNED);
    const { prompt: _p, system: _s, ...fixed } = base;
    expect(cacheKeyFor({ ...fixed, schema })({ system: base.system, prompt: base.prompt })).toBe(cacheKey({ ...base, schema }));
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

describe('cacheKeyFor', () => {
  // Keys made by the earlier one-call implementation: a run's key function must match them, or
  // every answer cached before would be missed.
  const EARLIER = [
    [
      'v1:1a1a3d0b84341f1241c8b2f4efc3cfa38a4832fd68dd0fc6a10ab21591965d2a',
      'v1:2edf55214862bbe058d350abca3ea291af3e070d7c4f5f3f88e46a8cc6f3e28d',
      'v1:21cc84207c72fcfa3fb4486310d28135471c20202b84bb20843f79d2e59e595d'
    ],
    [
      'v1:389f59232060290dccd61e50eab0b61350ac6cf31d1e258ea15b4d621bf3bbdf',
      'v1:70eff7b5dc558c4562c25090a94a557173fe7014c4b0afe19b0c48e409ac3486',
      'v1:c44676b978b30e14d655d6890cb029eb2d45032a4b78415476759f3992b9d7e5'
    ],
    [
      'v1:8c926a4060551a4eede4137c980be0e3e4d79511af29aa81d8f4106abf7728ae',
      'v1:ec11a7d7a4d71ddbe19ae973218a06c82f620a9f86216bee6ebfa4df697735f0',
      'v1:d5fce0d2143a2638de782def07e3522d38f43561cb28b2f6410d6a70bf1eef4d'
    ]
  ];

  it('gives the keys earlier versions stored, for every combination of the optional fields', () => {
    const fixedParts = [
      { provider: 'openai' as const, model: 'gpt-4o-mini', params: {} },
      { provider: 'openai' as const, model: 'm', baseURL: 'https://user:pw@host/v1/', params: { temperature: 0, maxTokens: 5 }, query: { 'api-version': '2024-10-21' } },
      { provider: 'anthropic' as const, model: 'claude', params: { maxTokens: 1024 }, query: {} },
    ];
    const requests = [{ prompt: 'hello' }, { prompt: 'é "quoted"\n', system: 'Be brief.' }, { prompt: '', system: '' }];
    expect(fixedParts.map((fixed) => requests.map(cacheKeyFor(fixed)))).toEqual(EARLIER);
    expect(fixedParts.map((fixed) => requests.map((request) => cacheKey({ ...fixed, ...request })))).toEqual(EARLIER);
  });
});
