/** Embeddings over the OpenAI wire format (`POST /embeddings`), for OpenAI and every compatible server. */
import type { Embedder, EmbedderOptions } from './embeddings.js';
import { parseEmbeddings } from './embedding-response.js';
import { postForJson } from './json-transport.js';
import { openAIEndpoint } from './openai.js';

/** Builds the embedder on the same lean transport as chat: one keep-alive pool, same errors and rate-limit headers. */
export function createOpenAIEmbedder(config: EmbedderOptions, apiKeyEnv?: string): Embedder {
  const { transport, ctx } = openAIEndpoint(config, apiKeyEnv);

  return {
    id: 'openai',
    model: config.model,
    async embed(texts, signal) {
      // base64: a quarter of the JSON of a float array, and exact (servers that ignore it send floats).
      const body = {
        model: config.model,
        input: texts,
        encoding_format: 'base64',
        ...(config.dimensions !== undefined && { dimensions: config.dimensions }),
      };
      const { data, rateLimit } = await postForJson<unknown>(transport, '/embeddings', body, ctx, signal);
      const parsed = parseEmbeddings(data, texts.length, ctx.endpoint);
      return rateLimit ? { ...parsed, rateLimit } : parsed;
    },
    close: () => transport.close(),
  };
}
