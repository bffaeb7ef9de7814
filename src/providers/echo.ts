/** The echo provider: answers with the prompt itself, no network. For trying templates and for tests. */
import { ProviderError } from '../errors.js';
import type { ChatRequest, ChatResult, Provider, ProviderConfig } from './provider.js';

/** Rough token count (about 4 characters per token), enough for reports. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Builds the echo provider; the system message is ignored. */
export function createEchoProvider(config: Pick<ProviderConfig, 'model'>): Provider {
  return {
    id: 'echo',
    model: config.model,
    // Not async: a settled promise is all an answer at hand needs, and the engine calls this per row.
    complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
      if (signal.aborted) return Promise.reject(new ProviderError('aborted', 'request aborted'));
      const tokens = estimateTokens(request.prompt);
      return Promise.resolve({ text: request.prompt, finishReason: 'stop', usage: { inputTokens: tokens, outputTokens: tokens } });
    },
    close: async () => {},
  };
}
