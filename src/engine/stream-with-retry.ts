/**
 * One streamed answer, attempted again on retryable failures until its first text arrives. Once
 * text has been handed on (written to a terminal or a pipe) it cannot be taken back, so a later
 * failure is final.
 */
import { ProviderError } from '../errors.js';
import type { ChatRequest, ChatResult, ChatStreamer, DeltaHandler } from '../providers/provider.js';
import { retryDelay, sleep, type RetryPolicy } from './retry.js';

/** A streamed answer that arrived whole. */
export interface StreamSuccess {
  result: ChatResult;
  attempts: number;
  /** From the start of the successful attempt to its first text, when there was any. */
  firstTextMs?: number;
  /** Wall time of the successful attempt. */
  latencyMs: number;
}

/** A streamed answer that failed for good. */
export interface StreamFailure {
  error: ProviderError;
  attempts: number;
  /** Whether some text was handed on before the failure (the answer shown is incomplete). */
  partial: boolean;
}

/** A retry about to be made. */
export interface StreamRetry {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: ProviderError;
}

/** What the loop needs besides the call. */
export interface StreamRetryOptions {
  retry: RetryPolicy;
  /** Aborts the stream in flight and any wait between attempts. */
  signal: AbortSignal;
  onRetry?: (event: StreamRetry) => void;
  now?: () => number;
}

/**
 * Streams `request`, passing text on to `onDelta`. Resolves with a success or a final failure;
 * rethrows what `onDelta` throws (a closed stdout), which is not the provider's failure.
 */
export async function streamWithRetry(
  streamer: ChatStreamer,
  request: ChatRequest,
  onDelta: DeltaHandler,
  opts: StreamRetryOptions,
): Promise<StreamSuccess | StreamFailure> {
  const now = opts.now ?? (() => performance.now());
  for (let attempt = 1; ; attempt++) {
    const started = now();
    let firstTextMs: number | undefined;
    const pass: DeltaHandler = (text) => {
      firstTextMs ??= now() - started;
      return onDelta(text);
    };
    try {
      const result = await streamer.stream(request, pass, opts.signal);
      return { result, attempts: attempt, latencyMs: now() - started, ...(firstTextMs !== undefined && { firstTextMs }) };
    } catch (thrown) {
      if (!(thrown instanceof ProviderError)) throw thrown;
      const partial = firstTextMs !== undefined;
      const error = opts.signal.aborted && thrown.kind !== 'aborted' ? new ProviderError('aborted', 'request aborted') : thrown;
      const delayMs = partial || error.kind === 'aborted' ? undefined : retryDelay(opts.retry, attempt, error);
      if (delayMs === undefined) return { error, attempts: attempt, partial };
      opts.onRetry?.({ attempt, delayMs, error });
      try {
        await sleep(delayMs, opts.signal);
      } catch {
        return { error: new ProviderError('aborted', 'stopped before an answer arrived'), attempts: attempt, partial: false };
      }
    }
  }
}
