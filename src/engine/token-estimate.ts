/**
 * The tokens a request is charged before it is sent, for --tpm and server token limits. A rough
 * count on purpose (no tokenizer): about 4 characters per token for English text, plus the output
 * it may produce. The response's usage corrects the charge afterwards.
 */
import type { ChatRequest } from '../providers/provider.js';

/** Output tokens assumed when --max-tokens is not set. */
export const DEFAULT_OUTPUT_ESTIMATE = 256;

/** Estimated input + output tokens of `request`: characters / 4, plus max tokens (or 256). */
export function estimateTokens(request: ChatRequest, maxTokens?: number): number {
  const chars = (request.system?.length ?? 0) + request.prompt.length;
  return Math.ceil(chars / 4) + (maxTokens ?? DEFAULT_OUTPUT_ESTIMATE);
}
