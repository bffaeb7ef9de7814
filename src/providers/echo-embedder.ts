/**
 * The echo embedder: a deterministic vector per text, no network, so `llmap embed -p echo` can be
 * tried (formats, caching, the pipeline) without a key. The vectors mean nothing.
 */
import { createHash } from 'node:crypto';
import { ProviderError } from '../errors.js';
import { estimateTokens } from './echo.js';
import type { Embedder, EmbedderOptions } from './embeddings.js';

/** Vector length when --dimensions is not given. */
export const ECHO_DIMENSIONS = 8;

/** Builds the echo embedder. */
export function createEchoEmbedder(config: Pick<EmbedderOptions, 'model' | 'dimensions'>): Embedder {
  const size = config.dimensions ?? ECHO_DIMENSIONS;
  return {
    id: 'echo',
    model: config.model,
    async embed(texts, signal) {
      if (signal.aborted) throw new ProviderError('aborted', 'request aborted');
      let tokens = 0;
      const vectors = texts.map((text) => {
        tokens += estimateTokens(text);
        return echoVector(text, size);
      });
      return { vectors, usage: { inputTokens: tokens } };
    },
    close: async () => {},
  };
}

/** A unit vector of `size` values drawn from the sha256 of `text` (same text, same vector). */
export function echoVector(text: string, size: number): Float32Array {
  const vector = new Float32Array(size);
  let norm = 0;
  for (let i = 0; i < size; i += 8) {
    const digest = createHash('sha256').update(`${i}:${text}`).digest();
    for (let j = 0; j < 8 && i + j < size; j++) {
      vector[i + j] = digest.readUInt32LE(j * 4) / 0x80000000 - 1;
      norm += vector[i + j] ** 2;
    }
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < size; i++) vector[i] /= norm;
  return vector;
}
