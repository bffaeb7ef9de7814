/**
 * One row's provider call, attempted until it succeeds, fails for good, or the run is stopped.
 */
import { ProviderError } from '../errors.js';
import type { ChatRequest, ChatResult, Provider, Usage } from '../providers/provider.js';
import { isOverload, type CallTicket, type ConcurrencyController } from './concurrency-controller.js';
import type { DeadEndpointBreaker } from './dead-endpoint-breaker.js';
import type { RunObserver } from './events.js';
import type { LoadJudge } from './load-judge.js';
import type { Lane } from './ordered-map.js';
import type { Lease, RateLimiter } from './rate-limiter.js';
import { backoffDelay, retryDelay, sleep, type RetryPolicy } from './retry.js';
import { estimateTokens } from './token-estimate.js';

/** A successful call and what it took. */
export interface CallSuccess {
  result: ChatResult;
  /** Wall time of the attempt that succeeded. */
  latencyMs: number;
  attempts: number;
  /** The clock (ctx.now) when the answer came. */
  endedAt?: number;
}

/** A call that failed for good. */
export interface CallFailure {
  error: ProviderError;
  latencyMs: number;
  attempts: number;
  /** Tokens of answers received and paid for though the row failed (typed answers that stayed invalid). */
  usage?: Usage;
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
  /** `now` is performance.now(), so its readings may go to observers as the times of events. */
  eventTimes?: boolean;
  /** Paces attempts to the rate limits; absent = no pacing. */
  limiter?: RateLimiter;
  /** Holds each attempt until a slot is free, and is told how it went; absent = no limit here. */
  controller?: ConcurrencyController;
  /** --max-tokens, for the token estimate charged before a call. */
  maxTokens?: number;
  /** Tells a limit from noise; absent = every 429/503/529 counts as a limit. */
  judge?: LoadJudge;
  /** Stops the run when the endpoint never answered right; absent = never. */
  breaker?: DeadEndpointBreaker;
}

/** Share of the rate that got through while a limit bit, paced to when the server states none. */
const INFERRED_SHARE = 1;

/**
 * Calls the provider with retries. Resolves with a success or a final failure; never rejects on
 * provider errors.
 *
 * Most calls get a slot and a rate-limit turn at once and succeed the first time: that attempt is
 * one promise reaction, and everything else (waiting, failures, retries) goes through the loop
 * below. An async function's frame holds all its registers, and the loop's would cost most of what
 * a local or fast answer costs on its own.
 */
export function callWithRetry(ctx: CallContext, index: number, request: ChatRequest, lane?: Lane): Promise<CallSuccess | CallFailure> {
  if (ctx.stop.aborted || ctx.breaker?.stopped) return retryingCall(ctx, index, request, lane);
  const ticket = ctx.controller?.tryAcquire();
  if (ctx.controller && !ticket) return retryingCall(ctx, index, request, lane);
  // One clock read for the turn and the attempt's start.
  const now = ctx.now();
  const lease = ctx.limiter?.tryAcquire(estimateTokens(request, ctx.maxTokens), now);
  // No turn yet: the loop waits for it, holding the slot as it would have.
  if (ctx.limiter && !lease) return retryingCall(ctx, index, request, lane, undefined, ticket);
  return firstAttempt(ctx, index, request, lane, ticket, lease, now);
}

/** Attempt 1 with its slot and turn in hand; a failure carries on in the loop. */
function firstAttempt(
  ctx: CallContext,
  index: number,
  request: ChatRequest,
  lane: Lane | undefined,
  ticket: CallTicket | undefined,
  lease: Lease | undefined,
  now: number,
): Promise<CallSuccess | CallFailure> {
  const started = sending(ctx, index, ticket, now);
  let answer: Promise<ChatResult>;
  try {
    // The run-wide signal itself: providers keep one listener per signal, not one per call.
    answer = ctx.provider.complete(request, ctx.signal);
  } catch (thrown) {
    return retryingCall(ctx, index, request, lane, { thrown, started, ticket, lease });
  }
  return answer.then(
    (result) => succeeded(ctx, result, started, ticket, lease, 1),
    (thrown: unknown) => retryingCall(ctx, index, request, lane, { thrown, started, ticket, lease }),
  );
}

/** An attempt is being sent (at `now`, when the caller has read the clock): observers and the slot are told; returns when it started. */
function sending(ctx: CallContext, index: number, ticket: CallTicket | undefined, now?: number): number {
  const at = now ?? ctx.now();
  ctx.observer.onRequest?.(index, ctx.eventTimes ? at : undefined);
  if (ticket) ctx.controller?.sent(ticket);
  return at;
}

/** An attempt that succeeded: its slot, turn and the judges are told. */
function succeeded(
  ctx: CallContext,
  result: ChatResult,
  started: number,
  ticket: CallTicket | undefined,
  lease: Lease | undefined,
  attempts: number,
): CallSuccess {
  const ended = ctx.now();
  const latencyMs = ended - started;
  lease?.release({ tokens: usedTokens(result.usage), rateLimit: result.rateLimit });
  if (ticket) ctx.controller?.succeeded(ticket, latencyMs);
  ctx.controller?.answered();
  ctx.judge?.succeeded(ended);
  ctx.breaker?.succeeded();
  return { result, latencyMs, attempts, endedAt: ended };
}

/** A first attempt that failed, for the loop to carry on from. */
interface FailedFirst {
  thrown: unknown;
  started: number;
  ticket: CallTicket | undefined;
  lease: Lease | undefined;
}

/** What to do after a failed attempt: stop with `done`, or try again (keeping `ticket` when held). */
type AfterFailure = { done: CallFailure } | { ticket: CallTicket | undefined };

/** The attempts that wait, fail or retry. */
async function retryingCall(
  ctx: CallContext,
  index: number,
  request: ChatRequest,
  lane: Lane | undefined,
  first?: FailedFirst,
  heldTicket?: CallTicket,
): Promise<CallSuccess | CallFailure> {
  const estimate = ctx.limiter ? estimateTokens(request, ctx.maxTokens) : 0;
  // A slot kept from the previous attempt (a 429 whose retry-after the limiter now holds everyone
  // to), or taken by callWithRetry before the rate limiter said wait.
  let ticket: CallTicket | undefined = heldTicket;
  let attempt = 1;
  if (first) {
    const next = await afterFailure(ctx, index, lane, 1, first.thrown, first.started, first.ticket, first.lease);
    if ('done' in next) return next.done;
    ticket = next.ticket;
    attempt = 2;
  }
  for (; ; attempt++) {
    if (ctx.stop.aborted) {
      if (ticket) ctx.controller?.release(ticket);
      return { error: stoppedError(), latencyMs: 0, attempts: attempt - 1 };
    }
    // Every attempt waits for a slot and its rate-limit turn: a retry is a request like any other,
    // served first, though (the output waits on it). Most attempts need not wait at all, and then
    // no signal is linked (that costs more than the rest of the bookkeeping).
    let lease: Lease | undefined;
    try {
      if (ctx.controller) ticket ??= ctx.controller.tryAcquire() ?? (await ctx.controller.acquire(waitSignal(ctx), attempt > 1));
      // Only with a slot in hand: a lease spends rate-limit budget.
      if (ctx.limiter) lease = ctx.limiter.tryAcquire(estimate) ?? (await ctx.limiter.acquire(estimate, waitSignal(ctx), attempt > 1));
    } catch {
      if (ticket) ctx.controller?.release(ticket);
      return { error: stoppedError(), latencyMs: 0, attempts: attempt - 1 };
    }
    const dead = ctx.breaker?.stopped;
    if (dead) {
      if (ticket) ctx.controller?.release(ticket);
      lease?.release({ refused: true });
      return { error: dead, latencyMs: 0, attempts: attempt - 1 };
    }
    const started = sending(ctx, index, ticket);
    let result: ChatResult;
    try {
      result = await ctx.provider.complete(request, ctx.signal);
    } catch (thrown) {
      const next = await afterFailure(ctx, index, lane, attempt, thrown, started, ticket, lease);
      if ('done' in next) return next.done;
      ticket = next.ticket;
      continue;
    }
    return succeeded(ctx, result, started, ticket, lease, attempt);
  }
}

/** A failed attempt: told to whom it concerns, then given up on, or waited out before the next one. */
async function afterFailure(
  ctx: CallContext,
  index: number,
  lane: Lane | undefined,
  attempt: number,
  thrown: unknown,
  started: number,
  ticket: CallTicket | undefined,
  lease: Lease | undefined,
): Promise<AfterFailure> {
  const latencyMs = ctx.now() - started;
  const error = asProviderError(thrown, ctx.signal);
  lease?.release({ refused: error.status === 429, rateLimit: error.rateLimit });
  if (error.kind !== 'aborted') ctx.observer.onRequestFailed?.(index, error);
  if (error.kind === 'rate_limit') ctx.observer.onRateLimited?.(index);
  const stop = ctx.breaker?.failed(error);
  if (stop) {
    if (ticket) ctx.controller?.failed(ticket, false);
    return { done: { error: stop, latencyMs, attempts: attempt } };
  }
  // Any answer but a 404 shows a server there (and its headers have been read).
  if (error.status !== undefined && error.status !== 404) ctx.controller?.answered();
  const overLimit = error.kind !== 'aborted' && (ctx.judge ? ctx.judge.failed(error) : isOverload(error.status));
  if (overLimit && error.status === 429) learnRate(ctx, error);
  else if (error.status === 429) ctx.limiter?.refused();
  const final = error.kind === 'aborted' || error.fatal || !error.retryable || attempt >= ctx.retry.maxAttempts;
  // Over a limit, the limiter holds every row for the server's retry-after, this one included:
  // it keeps its slot and goes first when the wait is over, instead of sleeping on its own.
  // A stray 429 among successes holds only its own row (below).
  const held = overLimit && holdAll(ctx, error) && !final;
  if (ticket) ctx.controller?.failed(ticket, overLimit && overloaded(ctx, error), held);
  const kept = held ? ticket : undefined;
  if (final) return { done: { error, latencyMs, attempts: attempt } };
  // A row refused again backs off exponentially on top (keeping its slot), or a pace still
  // settling could use up its attempts within a second.
  const delayMs = held
    ? Math.max(error.retryAfterMs!, attempt > 1 ? backoffDelay(ctx.retry, attempt - 1) : 0)
    : retryDelay(ctx.retry, attempt, error);
  if (delayMs === undefined) return { done: { error, latencyMs, attempts: attempt } };
  ctx.observer.onRetry?.({ index, attempt, delayMs, error });
  if (held && delayMs <= error.retryAfterMs!) return { ticket: kept };
  // Asleep, the row is not at work: rows behind it start in its place.
  lane?.away();
  try {
    await sleep(delayMs, waitSignal(ctx));
  } catch {
    if (kept) ctx.controller?.release(kept);
    return { done: { error: stoppedError(), latencyMs, attempts: attempt } };
  } finally {
    lane?.back();
  }
  return { ticket: kept };
}

/**
 * Whether the failure should cut concurrency. A 429 while pacing to a known rate means the pacing
 * was a little off (the pause and the server's `remaining` correct it); halving concurrency then
 * only costs throughput. Without a known rate, concurrency is the only brake, so a 429 cuts it.
 */
function overloaded(ctx: CallContext, error: ProviderError): boolean {
  if (error.status === 429 && ctx.limiter?.pacing) return false;
  return isOverload(error.status);
}

/**
 * A limit the server enforces but does not state (429s, no rate-limit headers): pace to what got
 * through over the last retry-after (at least a second) while it bit. A stated limit wins. A run
 * younger than that window measures once it is that old, so the calls after the pause are paced.
 */
function learnRate(ctx: CallContext, error: ProviderError): void {
  const { limiter, judge } = ctx;
  if (!limiter || !judge || error.rateLimit?.requests?.limit !== undefined) return;
  const span = Math.max(1000, error.retryAfterMs ?? 1000);
  const measure = (): void => {
    const now = ctx.now();
    const measured = judge.successesPerMinute(span, limiter.pausedWithin(now - span, now));
    if (measured !== undefined) limiter.infer(INFERRED_SHARE * measured);
  };
  const wait = judge.untilMeasurable(span);
  if (wait > 0) judge.once(wait, measure);
  else measure();
}

/**
 * A server that said "retry after" is left alone by every row for that long, not just this one.
 * Returns whether the limiter now holds the rows (false: no limiter, no sane retry-after).
 */
function holdAll(ctx: CallContext, error: ProviderError): boolean {
  const asked = error.retryAfterMs;
  if (!ctx.limiter || error.kind !== 'rate_limit' || asked === undefined || asked < 0 || asked > ctx.retry.maxRetryAfterMs) {
    return false;
  }
  ctx.limiter.pause(asked);
  ctx.observer.onHold?.({ waitingFor: "the server's retry-after (429)", ms: asked });
  return true;
}

function usedTokens(usage: Usage): number | undefined {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined;
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

// One "stop waiting" signal per run (hard or soft stop), made on first need: the queues keep one
// listener per signal, so every wait of the run must share it.
const waitSignals = new WeakMap<CallContext, AbortSignal>();

function waitSignal(ctx: CallContext): AbortSignal {
  let signal = waitSignals.get(ctx);
  if (signal === undefined) {
    signal = AbortSignal.any([ctx.signal, ctx.stop]);
    waitSignals.set(ctx, signal);
  }
  return signal;
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
