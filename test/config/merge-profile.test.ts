import { describe, expect, test } from 'vitest';
import { mergeProfile } from '../../src/config/merge-profile.js';
import type { Profile } from '../../src/config/profiles.js';

const fast: Profile = {
  name: 'fast',
  provider: 'openrouter',
  model: 'meta-llama/llama-3.1-8b-instruct',
  baseURL: 'https://proxy.example/v1',
  apiKeyEnv: 'PROXY_KEY',
  temperature: 0,
  maxTokens: 256,
  concurrency: 32,
  rpm: 500,
  tpm: 100000,
  headers: { 'X-Team': 'data' },
  price: { input: 0.15, output: 0.6 },
  system: 'Be brief.',
  timeout: 90,
};

describe('mergeProfile', () => {
  test('fills every option the flags leave out, as strings like commander gives', () => {
    expect(mergeProfile({ column: 'review' }, fast)).toEqual({
      column: 'review',
      provider: 'openrouter',
      model: 'meta-llama/llama-3.1-8b-instruct',
      baseUrl: 'https://proxy.example/v1',
      apiKeyEnv: 'PROXY_KEY',
      temperature: '0',
      maxTokens: '256',
      concurrency: '32',
      rpm: '500',
      tpm: '100000',
      system: 'Be brief.',
      timeout: '90',
      headers: { 'X-Team': 'data' },
      price: { input: 0.15, output: 0.6 },
    });
  });

  test('a flag that was given wins over the profile', () => {
    const merged = mergeProfile({ model: 'other', temperature: '0.7', concurrency: '4', timeout: '5s', system: 'Be long.' }, fast);
    expect(merged).toMatchObject({ model: 'other', temperature: '0.7', concurrency: '4', timeout: '5s', system: 'Be long.', maxTokens: '256' });
  });

  test('a flag left undefined by commander counts as not given', () => {
    expect(mergeProfile({ model: undefined, concurrency: undefined }, fast)).toMatchObject({ model: fast.model, concurrency: '32' });
  });

  test('no profile: the flags unchanged', () => {
    const flags = { model: 'm', concurrency: '2' };
    expect(mergeProfile(flags, undefined)).toEqual(flags);
  });

  test("--provider naming another provider drops the profile's model, endpoint, key variable, headers and price", () => {
    expect(mergeProfile({ provider: 'anthropic' }, fast)).toEqual({
      provider: 'anthropic',
      temperature: '0',
      maxTokens: '256',
      concurrency: '32',
      rpm: '500',
      tpm: '100000',
      system: 'Be brief.',
      timeout: '90',
    });
    // The same provider keeps them.
    expect(mergeProfile({ provider: 'openrouter' }, fast)).toMatchObject({ model: fast.model, apiKeyEnv: 'PROXY_KEY' });
  });

  test('a profile without a provider is not tied to one', () => {
    expect(mergeProfile({ provider: 'ollama' }, { name: 'p', model: 'llama3.2' })).toEqual({ provider: 'ollama', model: 'llama3.2' });
  });

  test('the profile objects are copied, not shared', () => {
    const merged = mergeProfile({}, fast);
    (merged.headers as Record<string, string>)['X-Other'] = '1';
    expect(fast.headers).toEqual({ 'X-Team': 'data' });
  });
  test('typed answers: a schema object becomes inline JSON, and --schema or --fields replaces both of the profile', () => {
    const schema = { type: 'object', properties: { label: { type: 'string' } } };
    const typed = { name: 't', schema, schemaMode: 'prompt' as const, schemaRetries: 0 };
    expect(mergeProfile({}, typed)).toEqual({ schema: JSON.stringify(schema), schemaMode: 'prompt', schemaRetries: '0' });
    expect(mergeProfile({}, { name: 't', schema: 'review.schema.json' })).toEqual({ schema: 'review.schema.json' });
    expect(mergeProfile({}, { name: 't', fields: 'label: enum(a, b)' })).toEqual({ fields: 'label: enum(a, b)' });
    expect(mergeProfile({ fields: 'n: int' }, typed)).toEqual({ fields: 'n: int', schemaMode: 'prompt', schemaRetries: '0' });
    expect(mergeProfile({ schema: 'x.json' }, { name: 't', fields: 'n: int' })).toEqual({ schema: 'x.json' });
  });
});
