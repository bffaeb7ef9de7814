/** Streaming for `llmap ask` over @anthropic-ai/sdk: the Messages API's server-sent events. */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsStreaming, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { callContext } from './errors.js';
import { consumeStream } from './consume-stream.js';
import { requestBody } from './anthropic-body.js';
import type { ChatRequest, ChatResult, ChatStreamer, ProviderConfig, Usage } from './provider.js';

/** Anthropic requires max_tokens; the config sets it, this is the same default as anthropic.ts in case it did not. */

/** Builds the streamer: one SDK client, retries off (the caller retries). */
export function createAnthropicStreamer(config: ProviderConfig, apiKeyEnv?: string): ChatStreamer {
  const keyless = config.apiKey === undefined;
  const client = new Anthropic({
    // A placeholder key (its header dropped below) keeps the SDK from searching env and profile files for credentials.
    apiKey: config.apiKey ?? 'keyless',
    authToken: null,
    baseURL: config.baseURL ?? 'https://api.anthropic.com',
    logLevel: 'off',
    openTelemetry: false,
    maxRetries: 0,
    timeout: config.timeoutMs,
    defaultHeaders: { ...config.headers, ...(keyless && { 'X-Api-Key': null }) },
    ...(config.query !== undefined && { defaultQuery: config.query }),
  });
  const ctx = callContext(config, 'api.anthropic.com', apiKeyEnv, undefined);

  return {
    id: 'anthropic',
    model: config.model,
    async stream(request, onDelta, signal): Promise<ChatResult> {
      let finishReason: string | null = null;
      const usage: Usage = {};
      const read = (event: RawMessageStreamEvent): string | undefined => {
        switch (event?.type) {
          case 'message_start': {
            const u = event.message?.usage;
            if (typeof u?.input_tokens === 'number') usage.inputTokens = u.input_tokens;
            if (typeof u?.output_tokens === 'number') usage.outputTokens = u.output_tokens;
            return undefined;
          }
          case 'content_block_delta':
            return event.delta?.type === 'text_delta' ? event.delta.text : undefined;
          case 'message_delta':
            // The counts here are cumulative: they replace those of message_start.
            if (event.delta?.stop_reason) finishReason = event.delta.stop_reason;
            if (typeof event.usage?.output_tokens === 'number') usage.outputTokens = event.usage.output_tokens;
            if (typeof event.usage?.input_tokens === 'number') usage.inputTokens = event.usage.input_tokens;
            return undefined;
          default:
            return undefined;
        }
      };
      const text = await consumeStream(
        (s) => client.messages.create(streamBody(config, request), { signal: s }),
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

/** The body `llmap run` sends, streamed. */
export function streamBody(config: ProviderConfig, request: ChatRequest): MessageCreateParamsStreaming {
  return { ...requestBody(config, request), stream: true };
}
