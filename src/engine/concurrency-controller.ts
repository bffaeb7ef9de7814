/**
 * Adaptive concurrency (AIMD, as TCP does it): how many calls may be in flight, between 1 and the
 * --concurrency cap, and the slots that enforce it. Every attempt, retries included, takes a slot,
 * so a decrease bites at once; retries are served before new rows (the output waits on them).
 *
 * - With `probe`, the first call goes alone until a server answers it (its headers may state a
 *   limit the rest must keep to); then the limit below applies.
 * - Start at min(8, cap). Until the first decrease, +1 per success ("slow start": doubles every
 *   round trip); after it, +1 per `current` successes (one step per round trip). Only successes of
 *   calls sent while every slot was sending count: an idle limit proves nothing.
 * - Halve (at least 1) on an answer the caller judged overload (a limit, not a stray 429), or when the median latency of the
 *   last 16 calls is over twice the lowest median seen and at least 250 ms above it (a server
 *   queueing our calls). Answers to calls sent before the last decrease are ignored: they show the
 *   old load, so the limit drops at most once per round trip.
 */
import { AbortGroups } from '../abort-groups.js';

/** Settings of the controller. */
export interface ConcurrencyControllerOptions {
  /** The cap (--concurrency). */
  max: number;
  /** Starting limit (default min(8, max)). */
  start?: number;
  /** false = hold the limit at `max` (default true). */
  adaptive?: boolean;
  /** Told every new limit. */
  onChange?: (current: number) => void;
  /** Hold every call but the first until answered() (default false). */
  probe?: boolean;
}

/** A slot, from acquire() until the call's outcome is reported (or it is released unsent). */
export interface CallTicket {
  /** Decreases so far when the call was sent. */
  epoch: number;
  /** Every slot was sending when the call was sent. */
  saturated: boolean;
  /** The call was sent (not just waiting for its rate-limit turn). */
  sending: boolean;
  /** Settled: the slot is free again. */
  done: boolean;
}

/** A call waiting for a slot. */
class Waiter {
  constructor(
    readonly lane: Waiter[],
    readonly signal: AbortSignal,
    readonly resolve: (ticket: CallTicket) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  abort(reason: unknown): void {
    const at = this.lane.indexOf(this);
    if (at < 0) return;
    this.lane.splice(at, 1);
    this.reject(reason);
  }
}

// Shared by every controller: one abort listener per signal, however many calls wait on it.
const waiting = new AbortGroups<Waiter>();

const LATENCY_BATCH = 16;
const LATENCY_FACTOR = 2;
// So a fast local server's jitter (1 ms → 3 ms) is not read as overload.
const LATENCY_FLOOR_MS = 250;

/** Decides how many calls may be in flight and holds the rest. */
export class ConcurrencyController {
  private limit: number;
  private readonly max: number;
  private readonly adaptive: boolean;
  private readonly onChange?: (current: number) => void;
  private held = 0;
  private sendingCount = 0;
  private readonly retries: Waiter[] = [];
  private readonly fresh: Waiter[] = [];
  private epoch = 0;
  private slowStart = true;
  private successes = 0;
  // Typed and sorted in place: a plain array and sort() would allocate for every call.
  private readonly batch = new Float64Array(LATENCY_BATCH);
  private batched = 0;
  private baselineMs = Infinity;
  private probing: boolean;

  constructor(opts: ConcurrencyControllerOptions) {
    this.probing = opts.probe ?? false;
    this.max = Math.max(1, opts.max);
    this.adaptive = opts.adaptive ?? true;
    this.limit = this.adaptive ? Math.min(this.max, Math.max(1, opts.start ?? 8)) : this.max;
    this.onChange = opts.onChange;
  }

  /** The current limit. */
  get current(): number {
    return this.limit;
  }

  /** Slots taken (calls sent or waiting for their rate-limit turn). */
  get active(): number {
    return this.held;
  }

  /** A slot now if one is free and nobody waits for one; undefined otherwise (then call acquire). */
  tryAcquire(): CallTicket | undefined {
    return this.held < this.cap && this.retries.length + this.fresh.length === 0 ? this.take() : undefined;
  }

  /** Waits for a free slot (a retry before any new call); rejects with the signal's reason on abort. */
  acquire(signal: AbortSignal, retry = false): Promise<CallTicket> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    const lane = retry ? this.retries : this.fresh;
    return new Promise<CallTicket>((resolve, reject) => {
      const waiter = new Waiter(lane, signal, resolve, reject);
      lane.push(waiter);
      waiting.add(signal, waiter);
    });
  }

  /** The call holding `ticket` is being sent now. */
  sent(ticket: CallTicket): void {
    ticket.sending = true;
    ticket.epoch = this.epoch;
    ticket.saturated = ++this.sendingCount >= this.limit;
  }

  /** The call answered successfully after `latencyMs`; frees its slot. */
  succeeded(ticket: CallTicket, latencyMs: number): void {
    if (!this.free(ticket)) return;
    if (ticket.epoch === this.epoch && this.adaptive) this.adapt(ticket, latencyMs);
    this.grantWaiting();
  }

  /**
   * The call failed; `overloaded` = the server said it is over its limit or capacity. Frees its
   * slot, unless `keepSlot`: the row retries as soon as the server allows, and must not queue
   * behind rows that took its slot meanwhile (the ticket is then sent again).
   */
  failed(ticket: CallTicket, overloaded: boolean, keepSlot = false): void {
    if (ticket.done) return;
    // Cut before the freed slot is handed on, so the decrease bites at once.
    if (overloaded && ticket.epoch === this.epoch && this.adaptive) this.decrease();
    if (keepSlot) {
      if (ticket.sending) this.sendingCount--;
      ticket.sending = false;
      return;
    }
    this.free(ticket);
    this.grantWaiting();
  }

  /** A server answered a call: the probe is over, and the other calls may start. */
  answered(): void {
    if (!this.probing) return;
    this.probing = false;
    this.grantWaiting();
  }

  /** Frees a slot whose call was never sent (the run stopped while it waited). */
  release(ticket: CallTicket): void {
    if (this.free(ticket)) this.grantWaiting();
  }

  private adapt(ticket: CallTicket, latencyMs: number): void {
    if (this.latencyClimbed(latencyMs)) return this.decrease();
    if (!ticket.saturated || this.limit >= this.max) return;
    if (this.slowStart || ++this.successes >= this.limit) {
      this.successes = 0;
      this.set(this.limit + 1);
    }
  }

  /** Slots that may be taken now: one while probing. */
  private get cap(): number {
    return this.probing ? 1 : this.limit;
  }

  private take(): CallTicket {
    this.held++;
    return { epoch: this.epoch, saturated: false, sending: false, done: false };
  }

  private free(ticket: CallTicket): boolean {
    if (ticket.done) return false;
    ticket.done = true;
    this.held--;
    if (ticket.sending) this.sendingCount--;
    return true;
  }

  private grantWaiting(): void {
    while (this.held < this.cap) {
      const next = this.retries.shift() ?? this.fresh.shift();
      if (!next) return;
      waiting.remove(next.signal, next);
      next.resolve(this.take());
    }
  }

  private decrease(): void {
    this.epoch++;
    this.slowStart = false;
    this.successes = 0;
    this.batched = 0;
    this.set(Math.max(1, Math.floor(this.limit / 2)));
  }

  private latencyClimbed(latencyMs: number): boolean {
    this.batch[this.batched++] = latencyMs;
    if (this.batched < LATENCY_BATCH) return false;
    const median = this.batch.sort()[LATENCY_BATCH >> 1];
    this.batched = 0;
    this.baselineMs = Math.min(this.baselineMs, median);
    return median > LATENCY_FACTOR * this.baselineMs && median - this.baselineMs >= LATENCY_FLOOR_MS;
  }

  private set(n: number): void {
    if (n === this.limit) return;
    this.limit = n;
    this.onChange?.(n);
  }
}

/** Whether an error means "too much load": 429, or 503/529 (overloaded). */
export function isOverload(status: number | undefined): boolean {
  return status === 429 || status === 503 || status === 529;
}
