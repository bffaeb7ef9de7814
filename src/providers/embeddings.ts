/**
 * The embedder seam: like a Provider, one object per run holding one connection pool, but each call
 * embeds a batch of texts. Embedders never retry (the engine does, in one place).
 */
import { UsageError } from '../errors.js';
import type { ProviderConfig, ProviderKind, RateLimitInfo, Usage } from './provider.js';

/** What one embeddings request returns. */
export interface EmbeddingResult {
  /** One vector per input text, in input order, all of one length. */
  vectors: Float32Array[];
  /** Tokens of the whole request (`inputTokens`), when the server reports them. */
  usage: Usage;
  /** Rate limits stated by the response headers, when the server sent any. */
  rateLimit?: RateLimitInfo;
}

/** A configured embeddings endpoint. */
export interface Embedder {
  /** Provider kind, e.g. 'openai'. */
  readonly id: ProviderKind;
  /** Model id sent with every request. */
  readonly model: string;
  /**
   * One request for all of `texts`. Throws `ProviderError` on failure (kind says whether to retry;
   * a response that does not hold one vector per text is 'bad_response'). Must not retry by itself.
   */
  embed(texts: string[], signal: AbortSignal): Promise<EmbeddingResult>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

/** A provider config plus what embeddings add: the `dimensions` to ask for, and the key's variable name. */
export type EmbedderOptions = ProviderConfig & { dimensions?: number; apiKeyEnv?: string };

/** The message for providers without an embeddings endpoint. */
export const NO_EMBEDDINGS_MESSAGE =
  'Anthropic has no embeddings endpoint; embed with -p openai or an OpenAI-compatible provider (see llmap providers)';

/** Creates the embedder of `config.kind`: one connection pool. Loads the adapter only when used. */
export async function createEmbedder(config: EmbedderOptions): Promise<Embedder> {
  switch (config.kind) {
    case 'openai':
      return (await import('./openai-embedder.js')).createOpenAIEmbedder(config, config.apiKeyEnv);
    case 'echo':
      return (await import('./echo-embedder.js')).createEchoEmbedder(config);
    case 'anthropic':
      throw new UsageError(NO_EMBEDDINGS_MESSAGE);
  }
}
