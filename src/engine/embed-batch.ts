/**
 * One batch of texts sent with the retries, pacing and adaptive concurrency of chat calls: the
 * embedder is dressed as a Provider whose requests each stand for a batch, so callWithRetry (the
 * one place llmap retries) serves both.
 */
import type { ProviderError } from '../errors.js';
import type { Embedder, EmbeddingResult } from '../providers/embeddings.js';
import type { ChatRequest, ChatResult, Provider } from '../providers/provider.js';
import { callWithRetry, type CallContext } from './call-with-retry.js';

/** How a batch ended, after its retries. */
export type BatchResult =
  | { ok: true; result: EmbeddingResult; latencyMs: number; attempts: number }
  | { ok: false; error: ProviderError; latencyMs: number; attempts: number };

/** A request standing for a batch; `prompt` (the texts joined) only feeds the token estimate. */
interface BatchRequest extends ChatRequest {
  texts: string[];
  result?: EmbeddingResult;
}

/** What the sender needs from the run: callWithRetry's context without the provider. */
export type BatchContext = Omit<CallContext, 'provider' | 'maxTokens'>;

/** A function sending one batch (`index`: its first row, for events); it never rejects on provider errors. */
export function batchSender(embedder: Embedder, run: BatchContext): (index: number, texts: string[]) => Promise<BatchResult> {
  const provider: Provider = {
    id: embedder.id,
    model: embedder.model,
    async complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
      const batch = request as BatchRequest;
      batch.result = await embedder.embed(batch.texts, signal);
      const { usage, rateLimit } = batch.result;
      return { text: '', finishReason: null, usage, ...(rateLimit && { rateLimit }) };
    },
    close: () => embedder.close(),
  };
  // One context for the whole run: callWithRetry keeps per-context state (its stop signal).
  // maxTokens 0: an embedding has no output, so a batch is charged its input estimate only.
  const ctx: CallContext = { ...run, provider, maxTokens: 0 };
  return async (index, texts) => {
    const request: BatchRequest = { prompt: texts.join('\n'), texts };
    const call = await callWithRetry(ctx, index, request);
    if ('error' in call) return { ok: false, ...call };
    return { ok: true, result: request.result!, latencyMs: call.latencyMs, attempts: call.attempts };
  };
}
