/** The Anthropic Messages API adapter. */
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { ProviderError } from '../errors.js';
import { callContext } from './errors.js';
import { createJsonTransport, postForJson } from './json-transport.js';
import { requestBody } from './anthropic-body.js';
import { parseAnthropicRateLimit } from './rate-limit-headers.js';
import type { ChatRequest, ChatResult, Provider, ProviderConfig } from './provider.js';

export { DEFAULT_MAX_TOKENS, requestBody } from './anthropic-body.js';


/** The Messages API version this adapter speaks (the header every request must carry). */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Builds the provider: one keep-alive connection pool for the whole run. */
export function createAnthropicProvider(config: ProviderConfig, apiKeyEnv?: string): Provider {
  const transport = createJsonTransport({
    baseURL: config.baseURL ?? 'https://api.anthropic.com',
    headers: {
      ...config.headers,
      'anthropic-version': ANTHROPIC_VERSION,
      ...(config.apiKey === undefined ? {} : { 'x-api-key': config.apiKey }),
    },
    connections: config.concurrency,
    timeoutMs: config.timeoutMs,
  });
  const ctx = callContext(config, 'api.anthropic.com', apiKeyEnv, (headers) => parseAnthropicRateLimit(headers));

  return {
    id: 'anthropic',
    model: config.model,
    async complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
      const { data, rateLimit } = await postForJson<Message>(transport, '/v1/messages', requestBody(config, request), ctx, signal);
      const result = toResult(data, ctx.endpoint, request.structured?.name);
      return rateLimit ? { ...result, rateLimit } : result;
    },
    close: () => transport.close(),
  };
}


/** `tool`: the forced tool of a typed request, whose tool_use input is the answer (as JSON text). */
export function toResult(response: Message, endpoint: string, tool?: string): ChatResult {
  if (!Array.isArray(response?.content)) {
    throw new ProviderError('bad_response', `unexpected response from ${endpoint}: no content blocks`);
  }
  let text = '';
  let toolUseId: string | undefined;
  for (const block of response.content) {
    if (block.type === 'text' && typeof block.text === 'string' && toolUseId === undefined) text += block.text;
    else if (tool !== undefined && block.type === 'tool_use' && block.name === tool && toolUseId === undefined) {
      text = JSON.stringify(block.input);
      toolUseId = block.id;
    }
  }
  const usage = response.usage;
  return {
    ...(toolUseId !== undefined && { toolUseId }),
    text,
    finishReason: response.stop_reason ?? null,
    usage: {
      ...(typeof usage?.input_tokens === 'number' && { inputTokens: usage.input_tokens }),
      ...(typeof usage?.output_tokens === 'number' && { outputTokens: usage.output_tokens }),
    },
  };
}
