import { describe, expect, it } from 'vitest';
import { ESTIMATE_METHOD, estimateCounter, loadTokenCounter, openAIEncoding } from '../../src/prompt/count-tokens.js';

describe('openAIEncoding', () => {
  it('picks o200k for gpt-4o, gpt-4.1, gpt-5 and the o-series; cl100k for gpt-4, gpt-3.5 and the embeddings', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini-2024-07-18', 'gpt-4.1-nano', 'gpt-5', 'gpt-5-mini', 'o1', 'o3-mini', 'o4-mini', 'chatgpt-4o-latest']) {
      expect(openAIEncoding(model), model).toBe('o200k_base');
    }
    for (const model of ['gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo', 'text-embedding-3-small']) {
      expect(openAIEncoding(model), model).toBe('cl100k_base');
    }
  });

  it('is undefined for models that are not OpenAI’s', () => {
    for (const model of ['llama3.2', 'claude-3-5-haiku-latest', 'mistral-large', 'test', 'o3x']) {
      expect(openAIEncoding(model), model).toBeUndefined();
    }
  });
});

describe('loadTokenCounter', () => {
  it('counts with the o200k encoding: text tokens plus 3 per request and 4 per message', async () => {
    const counter = await loadTokenCounter('gpt-4o-mini');
    expect(counter.method).toBe('gpt-tokenizer o200k_base');
    expect(counter.exact).toBe(true);
    // "hello world" is 2 tokens; OpenAI bills this one-message request as 9.
    expect(counter.count({ prompt: 'hello world' })).toBe(9);
    // "こんにちは世界" is 2 tokens in o200k, 4 in cl100k; "Be brief." is 3 in both.
    expect(counter.count({ prompt: 'こんにちは世界' })).toBe(9);
    expect(counter.count({ system: 'Be brief.', prompt: 'hello world' })).toBe(16);
  });

  it('counts with cl100k for gpt-4', async () => {
    const counter = await loadTokenCounter('gpt-4');
    expect(counter.method).toBe('gpt-tokenizer cl100k_base');
    expect(counter.count({ prompt: 'こんにちは世界' })).toBe(11);
    expect(counter.count({ prompt: 'The café’s crème brûlée was exquisite.' })).toBe(19);
  });

  it('estimates other models: characters / 4 rounded up, with the same overhead', async () => {
    const counter = await loadTokenCounter('claude-3-5-haiku-latest');
    expect(counter.method).toBe(ESTIMATE_METHOD);
    expect(counter.exact).toBe(false);
    expect(counter.count({ prompt: 'hello world' })).toBe(3 + 4 + 3); // 11 characters
    expect(counter.count({ system: 'Be brief.', prompt: 'abcd' })).toBe(3 + 4 + 1 + 4 + 3);
    expect(estimateCounter().count({ prompt: '' })).toBe(7);
  });
});
