/** The Anthropic Messages API adapter. */
import Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { ProviderError } from '../errors.js';
import { createHttpPool } from './http-pool.js';
import { toProviderError, type CallContext } from './errors.js';
import { parseAnthropicRateLimit } from './rate-limit-headers.js';
import type { ChatRequest, ChatResult, Provider, ProviderConfig } from './provider.js';

/** Anthropic requires max_tokens; this is sent when the user sets none. */
export const DEFAULT_MAX_TOKENS = 1024;

/** Builds the provider: one SDK client and one connection pool for the whole run. */
export function createAnthropicProvider(config: ProviderConfig, apiKeyEnv?: string): Provider {
  const pool = createHttpPool(config.concurrency, config.timeoutMs);
  const keyless = config.apiKey === undefined;
  const client = new Anthropic({
    // A placeholder key (its header dropped below) keeps the SDK from searching env and profile files for credentials.
    apiKey: config.apiKey ?? 'keyless',
    authToken: null,
    baseURL: config.baseURL ?? 'https://api.anthropic.com',
    maxRetries: 0,
    timeout: config.timeoutMs,
    fetch: pool.fetch,
    fetchOptions: pool.fetchOptions,
    openTelemetry: false,
    defaultHeaders: keyless ? { 'X-Api-Key': null } : undefined,
  });
  const ctx: CallContext = {
    endpoint: config.baseURL ?? 'api.anthropic.com',
    apiKeyEnv,
    keySent: !keyless,
    timeoutMs: config.timeoutMs,
    secret: config.apiKey,
    rateLimit: (headers) => parseAnthropicRateLimit(headers),
  };

  return {
    id: 'anthropic',
    model: config.model,
    async complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
      let response: Message;
      let headers: Headers;
      try {
        // withResponse: the rate-limit headers of successful responses are what pacing runs on.
        ({ data: response, response: { headers } } = await client.messages
          .create(requestBody(config, request), { signal })
          .withResponse());
      } catch (err) {
        throw toProviderError(err, ctx, signal);
      }
      const result = toResult(response, ctx.endpoint);
      const rateLimit = parseAnthropicRateLimit(headers);
      return rateLimit ? { ...result, rateLimit } : result;
    },
    close: () => pool.close(),
  };
}

/** The body: system as the top-level field, temperature only when set, max_tokens always. */
export function requestBody(config: ProviderConfig, request: ChatRequest): MessageCreateParamsNonStreaming {
  const body: MessageCreateParamsNonStreaming = {
    model: config.model,
    max_tokens: config.params.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: [{ role: 'user', content: request.prompt }],
  };
  if (request.system !== undefined) body.system = request.system;
  if (config.params.temperature !== undefined) body.temperature = config.params.temperature;
  return body;
}

function toResult(response: Message, endpoint: string): ChatResult {
  if (!Array.isArray(response?.content)) {
    throw new ProviderError('bad_response', `unexpected response from ${endpoint}: no content blocks`);
  }
  let text = '';
  for (const block of response.content) if (block.type === 'text' && typeof block.text === 'string') text += block.text;
  const usage = response.usage;
  return {
    text,
    finishReason: response.stop_reason ?? null,
    usage: {
      ...(typeof usage?.input_tokens === 'number' && { inputTokens: usage.input_tokens }),
      ...(typeof usage?.output_tokens === 'number' && { outputTokens: usage.output_tokens }),
    },
  };
}
