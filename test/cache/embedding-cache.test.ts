import { describe, expect, it } from 'vitest';
import { embeddingCache } from '../../src/cache/embedding-cache.js';
import { embeddingKey, type EmbeddingKeyInput } from '../../src/cache/embedding-key.js';
import { cacheKey } from '../../src/cache/key.js';
import { memoryCache } from '../../src/cache/response-cache.js';

const base: EmbeddingKeyInput = { provider: 'openai', model: 'text-embedding-3-small', text: 'hello' };

describe('embeddingKey', () => {
  it('is e1: plus a sha256, stable for the same input', () => {
    expect(embeddingKey(base)).toMatch(/^e1:[0-9a-f]{64}$/);
    expect(embeddingKey({ ...base })).toBe(embeddingKey(base));
  });

  it('changes with everything that changes the vector', () => {
    const keys = [
      embeddingKey(base),
      embeddingKey({ ...base, text: 'hello ' }),
      embeddingKey({ ...base, model: 'text-embedding-3-large' }),
      embeddingKey({ ...base, provider: 'echo' }),
      embeddingKey({ ...base, baseURL: 'http://127.0.0.1:11434/v1' }),
      embeddingKey({ ...base, dimensions: 256 }),
      embeddingKey({ ...base, query: { 'api-version': '2024-10-21' } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('ignores what does not: trailing slashes, URL credentials, an empty query', () => {
    const url = embeddingKey({ ...base, baseURL: 'http://h/v1' });
    expect(embeddingKey({ ...base, baseURL: 'http://h/v1/' })).toBe(url);
    expect(embeddingKey({ ...base, baseURL: 'http://user:secret@h/v1' })).toBe(url);
    expect(embeddingKey({ ...base, query: {} })).toBe(embeddingKey(base));
  });

  it('never meets the chat key space', () => {
    const chat = cacheKey({ provider: 'openai', model: base.model, params: {}, prompt: 'hello' });
    expect(chat.startsWith('v1:')).toBe(true);
    expect(embeddingKey(base).slice(3)).not.toBe(chat.slice(3));
  });
});

describe('embeddingCache', () => {
  it('stores a vector as base64 float32 text and reads back the exact values', async () => {
    const entries = new Map();
    const cache = embeddingCache(memoryCache(entries));
    const vector = Float32Array.from([0.1, -2.5, 3e-8, 1e20]);
    await cache.set('e1:x', { vector, usage: { inputTokens: 3 } });
    const stored = entries.get('e1:x');
    expect(stored).toMatchObject({ finishReason: 'embedding', usage: { inputTokens: 3 }, text: Buffer.from(vector.buffer).toString('base64') });
    const back = await cache.get('e1:x');
    expect(back!.vector).toEqual(vector);
    expect(back!.usage).toEqual({ inputTokens: 3 });
  });

  it('misses on absent keys, chat answers and damaged entries', async () => {
    const entries = new Map();
    const cache = embeddingCache(memoryCache(entries));
    expect(await cache.get('e1:none')).toBeUndefined();
    entries.set('e1:chat', { text: 'AAAAAA==', finishReason: 'stop', usage: {}, storedAt: 1 });
    entries.set('e1:cut', { text: 'AAAAAAA=', finishReason: 'embedding', usage: {}, storedAt: 1 });
    entries.set('e1:junk', { text: 'not base64!', finishReason: 'embedding', usage: {}, storedAt: 1 });
    expect(await cache.get('e1:chat')).toBeUndefined();
    expect(await cache.get('e1:cut')).toBeUndefined();
    expect(await cache.get('e1:junk')).toBeUndefined();
  });
});
