/**
 * Embeddings stored through the response cache (same stores, modes and TTL): the vector travels as
 * base64 float32 in `text`, marked by `finishReason: 'embedding'` so nothing else is read as one.
 */
import type { Usage } from '../providers/provider.js';
import { float32FromBase64, float32ToBase64 } from '../providers/float32-base64.js';
import type { ResponseCache } from './cache.js';

/** What is stored per text. */
export interface CachedEmbedding {
  vector: Float32Array;
  /** This text's share of the request's tokens. */
  usage: Usage;
}

/** Embeddings by key (see embeddingKey). `set` resolves once the value is durable. */
export interface EmbeddingCache {
  get(key: string): Promise<CachedEmbedding | undefined>;
  set(key: string, value: CachedEmbedding): Promise<void>;
}

/** The finishReason marking a stored embedding. */
export const EMBEDDING_MARK = 'embedding';
const MARK = EMBEDDING_MARK;

/** An embedding cache over `cache`; closing stays with the owner of `cache`. */
export function embeddingCache(cache: ResponseCache): EmbeddingCache {
  return {
    async get(key) {
      const stored = await cache.get(key);
      if (stored === undefined || stored.finishReason !== MARK) return undefined;
      const vector = float32FromBase64(stored.text);
      return vector === undefined ? undefined : { vector, usage: stored.usage };
    },
    set(key, value) {
      return cache.set(key, { text: float32ToBase64(value.vector), finishReason: MARK, usage: value.usage, storedAt: Date.now() });
    },
  };
}
