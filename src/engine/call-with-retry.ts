/**
 * One row's provider call, attempted until it succeeds, fails for good, or the run is stopped.
 */
import { ProviderError } from '../errors.js';
import type { ChatRequest, ChatResult, Provider } from '../providers/provider.js';
import type { RunObserver } from './events.js';
import { retryDelay, sleep, type RetryPolicy } from './retry.js';

/** A successful call and what it took. */
export interface CallSuccess {
  result: ChatResult;
  /** Wall time of the attempt that succeeded. */
  latencyMs: number;
  attempts: number;
}

/** A call that failed for good. */
export interface CallFailure {
  error: ProviderError;
  latencyMs: number;
  attempts: number;
}

/** Everything a call needs from the run. */
export interface CallContext {
  provider: Provider;
  retry: RetryPolicy;
  observer: RunObserver;
  /** Hard stop: aborts calls in flight. */
  signal: AbortSignal;
  /** Soft stop (first Ctrl-C): no new attempts start; calls in flight may finish. */
  stop: AbortSignal;
  now: () => number;
}

/** Calls the provider with retries. Resolves with a success or a final failure; never rejects on provider errors. */
export async function callWithRetry(
  ctx: CallContext,
  index: number,
  request: ChatRequest,
): Promise<CallSuccess | CallFailure> {
  for (let attempt = 1; ; attempt++) {
    if (ctx.stop.aborted) return { error: stoppedError(), latencyMs: 0, attempts: attempt - 1 };
    ctx.observer.onRequest?.(index);
    const started = ctx.now();
    // A signal of its own per attempt: SDKs add an abort listener to the signal they are given and
    // do not always remove it, which on the run-wide signal grows without bound (and makes each
    // addEventListener slower) over a long run.
    const attemptSignal = linkedSignal(ctx.signal);
    try {
      const result = await ctx.provider.complete(request, attemptSignal.signal);
      return { result, latencyMs: ctx.now() - started, attempts: attempt };
    } catch (thrown) {
      const latencyMs = ctx.now() - started;
      const error = asProviderError(thrown, ctx.signal);
      if (error.kind === 'aborted' || error.fatal) return { error, latencyMs, attempts: attempt };
      const delayMs = retryDelay(ctx.retry, attempt, error);
      if (delayMs === undefined) return { error, latencyMs, attempts: attempt };
      ctx.observer.onRetry?.({ index, attempt, delayMs, error });
      try {
        await sleep(delayMs, AbortSignal.any([ctx.signal, ctx.stop]));
      } catch {
        return { error: stoppedError(), latencyMs, attempts: attempt };
      }
    } finally {
      attemptSignal.dispose();
    }
  }
}

/** A signal that aborts when `parent` does, detached from it by `dispose()`. */
function linkedSignal(parent: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose() {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}

function asProviderError(thrown: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted) return abortedError();
  if (thrown instanceof ProviderError) return thrown;
  // Adapters map their errors; anything else is a bug or a transport surprise worth retrying once more.
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new ProviderError('network', message, { cause: thrown });
}

function abortedError(): ProviderError {
  return new ProviderError('aborted', 'stopped before an answer arrived');
}

function stoppedError(): ProviderError {
  return new ProviderError('aborted', 'not sent: the run was stopped');
}
