import { describe, expect, it } from 'vitest';
import { BUILT_IN_SOURCE, PRICES_AS_OF, builtInPrice, costOf, resolvePricing } from '../../src/report/price-table.js';

describe('builtInPrice', () => {
  it('knows the current OpenAI and Anthropic families by their ids', () => {
    expect(builtInPrice('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(builtInPrice('gpt-4o')).toEqual({ input: 2.5, output: 10 });
    expect(builtInPrice('gpt-4.1-nano')).toEqual({ input: 0.1, output: 0.4 });
    expect(builtInPrice('gpt-5-mini')).toEqual({ input: 0.25, output: 2 });
    expect(builtInPrice('o4-mini')).toEqual({ input: 1.1, output: 4.4 });
    expect(builtInPrice('text-embedding-3-small')).toEqual({ input: 0.02, output: 0 });
    expect(builtInPrice('claude-haiku-4-5')).toEqual({ input: 1, output: 5 });
    expect(builtInPrice('claude-opus-4-1')).toEqual({ input: 15, output: 75 });
  });

  it('prices a dated snapshot or a -latest alias as its family, the longest family first', () => {
    expect(builtInPrice('gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(builtInPrice('gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(builtInPrice('gpt-4.1-mini-2025-04-14')).toEqual({ input: 0.4, output: 1.6 });
    expect(builtInPrice('claude-3-5-haiku-20241022')).toEqual({ input: 0.8, output: 4 });
    expect(builtInPrice('claude-3-5-haiku-latest')).toEqual({ input: 0.8, output: 4 });
    expect(builtInPrice('claude-sonnet-4-20250514')).toEqual({ input: 3, output: 15 });
    expect(builtInPrice('claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
    expect(builtInPrice('claude-haiku-4-5-20251001')).toEqual({ input: 1, output: 5 });
  });

  it('a snapshot listed itself wins over its family (gpt-4o-2024-05-13 kept its launch price)', () => {
    expect(builtInPrice('gpt-4o-2024-05-13')).toEqual({ input: 5, output: 15 });
  });

  it('does not guess: other suffixes and unknown models have no price', () => {
    expect(builtInPrice('gpt-4o-mini-tts')).toBeUndefined();
    expect(builtInPrice('gpt-4o-realtime-preview')).toBeUndefined();
    expect(builtInPrice('o3x')).toBeUndefined();
    expect(builtInPrice('openai/gpt-4o')).toBeUndefined();
    expect(builtInPrice('llama3.2')).toBeUndefined();
    expect(builtInPrice('test')).toBeUndefined();
  });
});

describe('resolvePricing', () => {
  it("the profile's price wins over the table", () => {
    expect(resolvePricing({ profilePrice: { input: 1, output: 2 }, providerName: 'openai', model: 'gpt-4o' })).toEqual({
      input: 1,
      output: 2,
      source: 'profile',
    });
  });

  it('the table names its date as the source', () => {
    expect(BUILT_IN_SOURCE).toBe(`built-in table (as of ${PRICES_AS_OF})`);
    expect(resolvePricing({ providerName: 'openai', model: 'gpt-4o-mini' })).toEqual({ input: 0.15, output: 0.6, source: BUILT_IN_SOURCE });
  });

  it('local presets cost nothing, whatever the model', () => {
    for (const providerName of ['ollama', 'vllm', 'llamacpp']) {
      expect(resolvePricing({ providerName, model: 'llama3.2' })).toEqual({ input: 0, output: 0, source: 'local server' });
    }
  });

  it('an unknown model has no price', () => {
    expect(resolvePricing({ providerName: 'groq', model: 'llama-3.1-8b-instant' })).toBeUndefined();
  });
});

describe('costOf', () => {
  it('is dollars per million tokens, to the micro-dollar', () => {
    expect(costOf({ input: 0.15, output: 0.6 }, 1_000_000, 500_000)).toBe(0.45);
    expect(costOf({ input: 1000, output: 2000 }, 2, 2)).toBe(0.006);
    expect(costOf({ input: 0.15, output: 0.6 }, 7, 0)).toBe(0.000001);
  });
});
