/** The OpenAI adapter; also every OpenAI-compatible server (Ollama, vLLM, ...) via a base URL. */
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { ProviderError } from '../errors.js';
import { createHttpPool } from './http-pool.js';
import { toProviderError, type CallContext } from './errors.js';
import { parseOpenAIRateLimit } from './rate-limit-headers.js';
import type { ChatRequest, ChatResult, Provider, ProviderConfig } from './provider.js';

/** Builds the provider: one SDK client and one connection pool for the whole run. */
export function createOpenAIProvider(config: ProviderConfig, apiKeyEnv?: string): Provider {
  const pool = createHttpPool(config.concurrency, config.timeoutMs);
  const keyless = config.apiKey === undefined;
  const client = new OpenAI({
    // The SDK refuses to start without a key; a keyless server gets a placeholder whose header is dropped below.
    apiKey: config.apiKey ?? 'keyless',
    // Explicit values, so the SDK reads none of OPENAI_BASE_URL / _ORG_ID / _PROJECT_ID / _ADMIN_KEY.
    baseURL: config.baseURL ?? 'https://api.openai.com/v1',
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: config.timeoutMs,
    fetch: pool.fetch,
    fetchOptions: pool.fetchOptions,
    defaultHeaders: keyless ? { Authorization: null } : undefined,
  });
  const ctx: CallContext = {
    endpoint: config.baseURL ?? 'api.openai.com',
    apiKeyEnv,
    keySent: !keyless,
    timeoutMs: config.timeoutMs,
    secret: config.apiKey,
    rateLimit: parseOpenAIRateLimit,
  };

  return {
    id: 'openai',
    model: config.model,
    async complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
      let response: ChatCompletion;
      let headers: Headers;
      try {
        // withResponse: the rate-limit headers of successful responses are what pacing runs on.
        ({ data: response, response: { headers } } = await client.chat.completions
          .create(requestBody(config, request), { signal })
          .withResponse());
      } catch (err) {
        throw toProviderError(err, ctx, signal);
      }
      const result = toResult(response, ctx.endpoint);
      const rateLimit = parseOpenAIRateLimit(headers);
      return rateLimit ? { ...result, rateLimit } : result;
    },
    close: () => pool.close(),
  };
}

/** The body: temperature and max_tokens only when set (`max_tokens`, which compatible servers know). */
export function requestBody(config: ProviderConfig, request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionCreateParamsNonStreaming['messages'] = [];
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system });
  messages.push({ role: 'user', content: request.prompt });
  const body: ChatCompletionCreateParamsNonStreaming = { model: config.model, messages };
  if (config.params.temperature !== undefined) body.temperature = config.params.temperature;
  if (config.params.maxTokens !== undefined) body.max_tokens = config.params.maxTokens;
  return body;
}

function toResult(response: ChatCompletion, endpoint: string): ChatResult {
  // A non-JSON 200 reaches us as a string; a compatible server may omit fields.
  const choice = Array.isArray(response?.choices) ? response.choices[0] : undefined;
  const content: unknown = choice?.message?.content ?? '';
  if (choice === undefined || typeof content !== 'string') {
    throw new ProviderError('bad_response', `unexpected response from ${endpoint}: no choices[0].message.content text`);
  }
  const usage = response.usage;
  return {
    text: content,
    finishReason: choice.finish_reason ?? null,
    usage: {
      ...(typeof usage?.prompt_tokens === 'number' && { inputTokens: usage.prompt_tokens }),
      ...(typeof usage?.completion_tokens === 'number' && { outputTokens: usage.completion_tokens }),
    },
  };
}
