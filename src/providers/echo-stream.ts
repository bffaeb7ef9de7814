/** The echo streamer: answers with the prompt, a word at a time, no network. For trying `llmap ask` offline. */
import { ProviderError } from '../errors.js';
import { estimateTokens } from './echo.js';
import type { ChatResult, ChatStreamer, ProviderConfig } from './provider.js';

/** Builds the echo streamer; the system message is ignored, as by the echo provider. */
export function createEchoStreamer(config: Pick<ProviderConfig, 'model'>): ChatStreamer {
  return {
    id: 'echo',
    model: config.model,
    async stream(request, onDelta, signal): Promise<ChatResult> {
      for (const piece of request.prompt.match(/\S+\s*|\s+/g) ?? []) {
        if (signal.aborted) throw new ProviderError('aborted', 'request aborted');
        await onDelta(piece);
      }
      if (signal.aborted) throw new ProviderError('aborted', 'request aborted');
      const tokens = estimateTokens(request.prompt);
      return { text: request.prompt, finishReason: 'stop', usage: { inputTokens: tokens, outputTokens: tokens } };
    },
    close: async () => {},
  };
}
