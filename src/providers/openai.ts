/** The OpenAI adapter; also every OpenAI-compatible server (Ollama, vLLM, ...) via a base URL. */
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { ProviderError } from '../errors.js';
import { callContext, type CallContext } from './errors.js';
import { createJsonTransport, postForJson, type JsonTransport } from './json-transport.js';
import { requestBody } from './openai-body.js';
import { parseOpenAIRateLimit, windowPeriods } from './rate-limit-headers.js';
import type { ChatRequest, ChatResult, Provider, ProviderConfig } from './provider.js';

export { requestBody } from './openai-body.js';

/** Builds the provider: one keep-alive connection pool for the whole run. */
export function createOpenAIProvider(config: ProviderConfig, apiKeyEnv?: string): Provider {
  const { transport, ctx } = openAIEndpoint(config, apiKeyEnv);

  return {
    id: 'openai',
    model: config.model,
    async complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
      const { data, rateLimit } = await postForJson<ChatCompletion>(transport, '/chat/completions', requestBody(config, request), ctx, signal);
      const result = toResult(data, ctx.endpoint);
      return rateLimit ? { ...result, rateLimit } : result;
    },
    close: () => transport.close(),
  };
}

/**
 * The transport (one keep-alive pool to the base URL, auth and the profile's headers on every
 * request) and call context of an OpenAI-wire endpoint: shared by chat and embeddings.
 */
export function openAIEndpoint(config: ProviderConfig, apiKeyEnv?: string): { transport: JsonTransport; ctx: CallContext } {
  const transport = createJsonTransport({
    baseURL: config.baseURL ?? 'https://api.openai.com/v1',
    headers: { ...config.headers, ...authHeader(config) },
    query: config.query,
    connections: config.concurrency,
    timeoutMs: config.timeoutMs,
  });
  const periods = windowPeriods(config.baseURL);
  return { transport, ctx: callContext(config, 'api.openai.com', apiKeyEnv, (headers) => parseOpenAIRateLimit(headers, periods)) };
}

/** The header carrying the key: `Authorization: Bearer`, or the one the preset names (Azure: `api-key`). */
export function authHeader(config: ProviderConfig): Record<string, string> {
  if (config.apiKey === undefined) return {};
  if (config.keyHeader === 'api-key' || config.keyHeader === 'x-api-key') return { [config.keyHeader]: config.apiKey };
  return { authorization: `Bearer ${config.apiKey}` };
}


export function toResult(response: ChatCompletion, endpoint: string): ChatResult {
  // A non-JSON 200 reaches us as a string; a compatible server may omit fields.
  const choice = Array.isArray(response?.choices) ? response.choices[0] : undefined;
  const content: unknown = choice?.message?.content ?? '';
  if (choice === undefined || typeof content !== 'string') {
    throw new ProviderError('bad_response', `unexpected response from ${endpoint}: no choices[0].message.content text`);
  }
  const reported = response.usage;
  // Assigned rather than spread: this runs once per row.
  const usage: ChatResult['usage'] = {};
  if (typeof reported?.prompt_tokens === 'number') usage.inputTokens = reported.prompt_tokens;
  if (typeof reported?.completion_tokens === 'number') usage.outputTokens = reported.completion_tokens;
  const result: ChatResult = { text: content, finishReason: choice.finish_reason ?? null, usage };
  // Structured outputs: a refusal comes instead of content, in its own field.
  const refusal: unknown = choice.message?.refusal;
  if (typeof refusal === 'string' && refusal !== '') result.refusal = refusal;
  return result;
}
