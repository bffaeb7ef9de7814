/**
 * One rate budget for every worker: each request, after its worker's own pacing (which follows
 * --rpm/--tpm or the limits the server's headers state), also takes its turn from a budget counted
 * in Redis, so ten workers together stay under the one account's limit.
 *
 * The counting is rate-limiter-flexible's RateLimiterRedis (an atomic counter per window, expired
 * by Redis). Its windows are whole seconds, and a provider refills continuously with a bucket of
 * about one second's worth: a whole second's requests at the end of one window and the next
 * window's at its start would arrive together, twice the bucket. So the budget is cut into slots
 * of half a second's requests each (slot n covers wall-clock [n·w, (n+1)·w)), and two slots' worth
 * arriving together still fit the provider's bucket. Every slot is a key of its own; the window
 * only makes Redis forget it.
 *
 * Workers that start together know no limit until a first answer states it, and their first calls
 * together could already empty the provider's bucket. So while no limit is known, one worker sends
 * a single probe request (a Redis lock decides which), publishes the limits its answer stated, and
 * the others wait for them.
 */
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitInfo } from '../../providers/provider.js';
import { RateLimiter, type Lease, type LeaseOutcome, type RateLimiterOptions } from '../rate-limiter.js';
import { sleep } from '../retry.js';

/** Requests and tokens per minute (undefined = no limit). */
export interface Limits {
  rpm?: number;
  tpm?: number;
}

const PREFIX = 'llmap-budget';
/** How long published limits are trusted (workers' own pacing follows the headers meanwhile). */
const LIMITS_TTL_S = 600;
/** How long a probe may take before another worker probes instead. */
const PROBE_MS = 10_000;
const POLL_MS = 25;

/** Wall-clock slots of the shared budget, counted in Redis. */
export class SharedBudget {
  private readonly limiters = new Map<number, RateLimiterRedis>();
  // One request at a time asks Redis: the others queue here, in order, instead of polling it.
  private turn: Promise<void> = Promise.resolve();
  private known: Limits | undefined;

  constructor(private readonly redis: Redis, private readonly id: string, private readonly now: () => number = Date.now) {}

  /**
   * The limits some worker has seen stated, or (`probe`) this caller's turn to send the request
   * that finds them out; waits while another worker's probe is out.
   */
  async limits(signal: AbortSignal): Promise<{ limits: Limits; probe: boolean }> {
    for (;;) {
      if (this.known) return { limits: this.known, probe: false };
      const text = await this.redis.get(`${PREFIX}:${this.id}:limits`);
      if (text !== null) {
        this.known = JSON.parse(text) as Limits;
        continue;
      }
      if ((await this.redis.set(`${PREFIX}:${this.id}:probe`, '1', 'PX', PROBE_MS, 'NX')) === 'OK') return { limits: {}, probe: true };
      await sleep(POLL_MS, signal);
    }
  }

  /** Tells every worker the limits an answer stated (none stated: no limit to share). */
  async publish(info: RateLimitInfo | undefined): Promise<void> {
    const limits: Limits = { ...(info?.requests?.limit && { rpm: info.requests.limit }), ...(info?.tokens?.limit && { tpm: info.tokens.limit }) };
    this.known = limits;
    await this.redis.set(`${PREFIX}:${this.id}:limits`, JSON.stringify(limits), 'EX', LIMITS_TTL_S);
  }

  /** Waits until the shared budget admits a request of `tokens` at these rates (undefined = not limited). */
  take(tokens: number, rpm: number | undefined, tpm: number | undefined, signal: AbortSignal): Promise<void> {
    const mine = this.turn.then(() => this.takeNow(tokens, rpm, tpm, signal));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async takeNow(tokens: number, rpm: number | undefined, tpm: number | undefined, signal: AbortSignal): Promise<void> {
    // The request first, then its tokens: neither is taken twice.
    for (const [kind, cost, perMinute] of [['r', 1, rpm], ['t', tokens, tpm]] as const) {
      if (cost <= 0) continue;
      for (;;) {
        signal.throwIfAborted();
        const wait = await this.trySlot(kind, cost, perMinute);
        if (wait === 0) break;
        await sleep(wait, signal);
      }
    }
  }

  /** Takes `cost` from the current slot of a `perMinute` budget: 0 if taken, else ms to the next slot. */
  private async trySlot(kind: 'r' | 't', cost: number, perMinute: number | undefined): Promise<number> {
    if (perMinute === undefined) return 0;
    const perMs = perMinute / 60_000;
    // Half a second's worth per slot (at least one), so two slots at once fit a one-second bucket.
    const points = Math.max(1, Math.floor(perMs * 500));
    const slotMs = points / perMs;
    const now = this.now();
    const slot = Math.floor(now / slotMs);
    const limiter = this.limiterFor(points, slotMs);
    try {
      // A request bigger than a slot takes a whole one, like a full local bucket letting it through.
      await limiter.consume(`${this.id}:${kind}:${perMinute}:${slot}`, Math.min(Math.ceil(cost), points));
      return 0;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      return Math.max(1, Math.ceil((slot + 1) * slotMs - now));
    }
  }

  private limiterFor(points: number, slotMs: number): RateLimiterRedis {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: PREFIX,
        points,
        // Only how long Redis keeps a slot's counter: a few slots, in whole seconds.
        duration: Math.max(2, Math.ceil((3 * slotMs) / 1000)),
      });
      this.limiters.set(points, limiter);
    }
    return limiter;
  }
}

/** A worker's RateLimiter whose every grant also takes its turn from the shared budget. */
export class SharedRateLimiter extends RateLimiter {
  constructor(opts: RateLimiterOptions, private readonly budget: SharedBudget) {
    super(opts);
  }

  /** Never a turn without asking Redis: callers fall back to acquire. */
  override tryAcquire(): Lease | undefined {
    return undefined;
  }

  override async acquire(tokens: number, signal: AbortSignal, first = false): Promise<Lease> {
    const lease = super.tryAcquire(tokens) ?? (await super.acquire(tokens, signal, first));
    try {
      // This worker's own limits (a flag, or its answers' headers) first, else what any worker saw.
      let known: Limits = { rpm: this.requestsPerMinute, tpm: this.tokensPerMinute };
      if (known.rpm === undefined && known.tpm === undefined) {
        const found = await this.budget.limits(signal);
        if (found.probe) return this.probing(lease);
        known = found.limits;
      }
      await this.budget.take(tokens, known.rpm, known.tpm, signal);
    } catch (err) {
      lease.release({ refused: true });
      throw err;
    }
    return lease;
  }

  /** The probe's lease: its answer's limits are published for every worker. */
  private probing(lease: Lease): Lease {
    return {
      release: (outcome?: LeaseOutcome) => {
        lease.release(outcome);
        void this.budget.publish(outcome?.rateLimit).catch(() => undefined);
      },
    };
  }
}
