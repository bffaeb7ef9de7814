/**
 * Reads an OpenAI-style embeddings `list` into vectors, and refuses one that does not answer the
 * request exactly: a vector per input, each index once, all of one length. A server that drops or
 * reorders an input would otherwise put vectors on the wrong rows, silently.
 */
import { ProviderError } from '../errors.js';
import { float32FromBase64 } from './float32-base64.js';
import type { Usage } from './provider.js';

/** The vectors in input order and the request's token usage. Throws ProviderError('bad_response'). */
export function parseEmbeddings(body: unknown, inputs: number, endpoint: string): { vectors: Float32Array[]; usage: Usage } {
  const bad = (why: string) => new ProviderError('bad_response', `unexpected embeddings response from ${endpoint}: ${why}`);
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw bad('no data array');
  if (data.length !== inputs) throw bad(`${data.length} embeddings for ${inputs} inputs`);
  const vectors = new Array<Float32Array | undefined>(inputs);
  data.forEach((item: { index?: unknown; embedding?: unknown } | null, position) => {
    // Servers that leave `index` out answer in input order.
    const index = item?.index ?? position;
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= inputs) {
      throw bad(`index ${JSON.stringify(index)} is not one of the ${inputs} inputs`);
    }
    if (vectors[index as number] !== undefined) throw bad(`index ${index as number} answered twice`);
    const vector = toVector(item?.embedding);
    if (vector === undefined) throw bad(`embedding ${index as number} is neither base64 float32 nor an array of numbers`);
    vectors[index as number] = vector;
  });
  const size = vectors[0]!.length;
  vectors.forEach((vector, index) => {
    if (vector!.length !== size) throw bad(`embedding ${index} has ${vector!.length} values, embedding 0 has ${size}`);
  });
  const tokens = (body as { usage?: { prompt_tokens?: unknown } }).usage?.prompt_tokens;
  return { vectors: vectors as Float32Array[], usage: typeof tokens === 'number' ? { inputTokens: tokens } : {} };
}

/** Base64 float32 (what we ask for) or a float array (what servers that ignore `encoding_format` send). */
function toVector(embedding: unknown): Float32Array | undefined {
  if (typeof embedding === 'string') return float32FromBase64(embedding);
  if (!Array.isArray(embedding) || embedding.length === 0) return undefined;
  for (const x of embedding) if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
  return Float32Array.from(embedding as number[]);
}
