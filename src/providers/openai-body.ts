/**
 * The chat completions request body `llmap run` sends (and `ask` streams), in its own module so the
 * streaming adapter can share it without loading the lean transport.
 */
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { maxTokensField } from './model-params.js';
import type { ChatRequest, ProviderConfig } from './provider.js';
import { addOpenAIStructured } from './structured-body.js';

/**
 * The body: temperature and the token cap only when set; the cap as `max_tokens` (which compatible
 * servers know), or `max_completion_tokens` for OpenAI's reasoning models (see model-params.ts).
 */
export function requestBody(config: ProviderConfig, request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionCreateParamsNonStreaming['messages'] = [];
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system });
  messages.push({ role: 'user', content: request.prompt });
  const body: ChatCompletionCreateParamsNonStreaming = { model: config.model, messages };
  if (config.params.temperature !== undefined) body.temperature = config.params.temperature;
  if (config.params.maxTokens !== undefined) body[maxTokensField(config)] = config.params.maxTokens;
  if (request.structured || request.correction) addOpenAIStructured(body, request);
  return body;
}
