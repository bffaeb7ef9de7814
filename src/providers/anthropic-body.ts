/**
 * The Messages API request body `llmap run` sends (and `ask` streams), in its own module so the
 * streaming adapter can share it without loading the lean transport.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import type { ChatRequest, ProviderConfig } from './provider.js';
import { addAnthropicStructured } from './structured-body.js';

/** Anthropic requires max_tokens; this is sent when the user sets none. */
export const DEFAULT_MAX_TOKENS = 1024;

/** The body: system as the top-level field, temperature only when set, max_tokens always. */
export function requestBody(config: ProviderConfig, request: ChatRequest): MessageCreateParamsNonStreaming {
  const body: MessageCreateParamsNonStreaming = {
    model: config.model,
    max_tokens: config.params.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: [{ role: 'user', content: request.prompt }],
  };
  if (request.system !== undefined) body.system = request.system;
  if (config.params.temperature !== undefined) body.temperature = config.params.temperature;
  if (request.structured || request.correction) addAnthropicStructured(body, request);
  return body;
}
