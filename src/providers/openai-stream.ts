/**
 * Streaming for `llmap ask` over the openai SDK: OpenAI and every OpenAI-compatible server (Ollama,
 * vLLM, Groq, Azure, ...). One answer per run, so the SDK's per-request cost does not matter here.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { callContext } from './errors.js';
import { consumeStream } from './consume-stream.js';
import { requestBody } from './openai-body.js';
import type { ChatRequest, ChatResult, ChatStreamer, ProviderConfig, Usage } from './provider.js';

/** Builds the streamer: one SDK client, retries off (the caller retries). */
export function createOpenAIStreamer(config: ProviderConfig, apiKeyEnv?: string): ChatStreamer {
  const client = new OpenAI({
    // The SDK refuses to start without a key; a keyless server gets a placeholder whose header is dropped below.
    apiKey: config.apiKey ?? 'keyless',
    // Explicit values, so the SDK reads none of OPENAI_BASE_URL / _ORG_ID / _PROJECT_ID / _ADMIN_KEY / _LOG.
    baseURL: config.baseURL ?? 'https://api.openai.com/v1',
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    logLevel: 'off',
    maxRetries: 0,
    timeout: config.timeoutMs,
    defaultHeaders: { ...config.headers, ...keyHeaders(config) },
    ...(config.query !== undefined && { defaultQuery: config.query }),
  });
  const ctx = callContext(config, 'api.openai.com', apiKeyEnv, undefined);

  return {
    id: 'openai',
    model: config.model,
    async stream(request, onDelta, signal): Promise<ChatResult> {
      let finishReason: string | null = null;
      let usage: Usage = {};
      const read = (chunk: ChatCompletionChunk): string | undefined => {
        // Compatible servers differ in what they put in a chunk; read defensively.
        const choice = Array.isArray(chunk?.choices) ? chunk.choices[0] : undefined;
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk?.usage) usage = toUsage(chunk.usage);
        const piece: unknown = choice?.delta?.content;
        return typeof piece === 'string' ? piece : undefined;
      };
      const text = await consumeStream(
        (s) => client.chat.completions.create(streamBody(config, request), { signal: s }),
        read,
        onDelta,
        ctx,
        signal,
      );
      return { text, finishReason, usage };
    },
    close: async () => {},
  };
}

/**
 * The SDK always sends `Authorization: Bearer <apiKey>`; a null default header drops it, for a
 * keyless server or a key that travels in another header (Azure's `api-key`).
 */
function keyHeaders(config: ProviderConfig): Record<string, string | null> {
  if (config.apiKey === undefined) return { Authorization: null };
  if (config.keyHeader === 'api-key' || config.keyHeader === 'x-api-key') return { Authorization: null, [config.keyHeader]: config.apiKey };
  return {};
}

/**
 * The body `llmap run` sends, streamed: with include_usage the last chunk carries the token counts,
 * which the cache stores as `run` would.
 */
export function streamBody(config: ProviderConfig, request: ChatRequest): ChatCompletionCreateParamsStreaming {
  return { ...requestBody(config, request), stream: true, stream_options: { include_usage: true } };
}

function toUsage(usage: { prompt_tokens?: unknown; completion_tokens?: unknown }): Usage {
  return {
    ...(typeof usage.prompt_tokens === 'number' && { inputTokens: usage.prompt_tokens }),
    ...(typeof usage.completion_tokens === 'number' && { outputTokens: usage.completion_tokens }),
  };
}
