/**
 * A rate limit enforced the way providers do: continuous token buckets for requests (and tokens)
 * per minute, a 429 with retry-after when a bucket is short, and the vendor's rate-limit headers on
 * every response.
 */

/** Floating-point slack so a bucket refilled to exactly 1 token admits a 1-token request. */
const EPS = 1e-9;

/** A continuous token bucket: `capacity` tokens, refilled at `perMinute`; starts full. */
export class TokenBucket {
  constructor(perMinute, capacity, now) {
    this.perMinute = perMinute;
    this.capacity = capacity;
    this.level = capacity;
    this.at = now;
  }

  /** Refills up to `now`. */
  advance(now) {
    if (now > this.at) {
      // Multiply before dividing so whole-second steps refill whole tokens exactly.
      this.level = Math.min(this.capacity, this.level + ((now - this.at) * this.perMinute) / 60_000);
      this.at = now;
    }
  }

  /** ms until `cost` tokens can be taken; 0 when they can be now. A cost above capacity waits for a full bucket. */
  waitMs(cost) {
    const short = Math.min(cost, this.capacity) - this.level;
    return short <= EPS ? 0 : Math.ceil((short * 60_000) / this.perMinute);
  }

  take(cost) {
    this.level -= cost;
  }

  /** Whole tokens left (never negative). */
  remaining() {
    return Math.max(0, Math.floor(this.level + EPS));
  }

  /** ms until the bucket is full again. */
  msToFull() {
    return Math.max(0, Math.ceil(((this.capacity - this.level) * 60_000) / this.perMinute - EPS));
  }
}

/**
 * A limiter of `rpm` requests (and `tpm` tokens) per minute. `burst` is the request bucket's size,
 * by default about one second's worth; `tokenBurst` likewise for tokens.
 */
export function createRateLimiter(options, now) {
  const { rpm, tpm } = options;
  positive('rateLimit.rpm', rpm);
  if (tpm !== undefined) positive('rateLimit.tpm', tpm);
  const burst = options.burst ?? Math.max(1, rpm / 60);
  positive('rateLimit.burst', burst);
  const tokenBurst = options.tokenBurst ?? (tpm === undefined ? undefined : Math.max(1, tpm / 60));
  if (tokenBurst !== undefined) positive('rateLimit.tokenBurst', tokenBurst);

  let requests;
  let tokens;
  const restart = () => {
    requests = new TokenBucket(rpm, burst, now());
    tokens = tpm === undefined ? undefined : new TokenBucket(tpm, tokenBurst, now());
  };
  restart();

  /** The rate-limit headers for the buckets as they stand at `t`, named for `vendor`. */
  function headers(vendor, t = now()) {
    requests.advance(t);
    tokens?.advance(t);
    const h = vendor === 'anthropic' ? anthropicHeaders('requests', rpm, requests, t) : openaiHeaders('requests', rpm, requests);
    if (tokens) Object.assign(h, vendor === 'anthropic' ? anthropicHeaders('tokens', tpm, tokens, t) : openaiHeaders('tokens', tpm, tokens));
    return h;
  }

  /**
   * Admits a request costing `costOf()` tokens (asked only when tokens are limited), or refuses it
   * with the wait in ms. Either way the headers describe the buckets after the decision, named for
   * `vendor` ('openai' | 'anthropic').
   */
  function admit(costOf, vendor) {
    const t = now();
    const cost = tokens ? costOf() : 0;
    requests.advance(t);
    tokens?.advance(t);
    const waitMs = Math.max(requests.waitMs(1), tokens?.waitMs(cost) ?? 0);
    if (waitMs === 0) {
      requests.take(1);
      tokens?.take(cost);
    }
    return { ok: waitMs === 0, waitMs, headers: headers(vendor, t) };
  }

  return { admit, headers, restart };
}

// OpenAI: limit, remaining, and the time until the bucket is back to its initial state as a Go duration.
function openaiHeaders(what, limit, bucket) {
  return {
    [`x-ratelimit-limit-${what}`]: String(limit),
    [`x-ratelimit-remaining-${what}`]: String(bucket.remaining()),
    [`x-ratelimit-reset-${what}`]: goDuration(bucket.msToFull()),
  };
}

// Anthropic: the reset is the RFC 3339 instant the bucket is fully replenished, at whole seconds (rounded up) as the API sends it.
function anthropicHeaders(what, limit, bucket, t) {
  return {
    [`anthropic-ratelimit-${what}-limit`]: String(limit),
    [`anthropic-ratelimit-${what}-remaining`]: String(bucket.remaining()),
    [`anthropic-ratelimit-${what}-reset`]: rfc3339Seconds(t + bucket.msToFull()),
  };
}

/** A duration in Go's `time.Duration` text, at millisecond precision: `0s`, `250ms`, `1.5s`, `6m0s`, `1h2m3s`. */
export function goDuration(ms) {
  ms = Math.max(0, Math.round(ms));
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  // Go trims trailing zeros of the fraction; Number's text does the same.
  const sec = `${Number(s.toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** An RFC 3339 UTC timestamp at whole seconds, rounded up, e.g. `2024-05-01T12:00:03Z`. */
export function rfc3339Seconds(ms) {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function positive(name, n) {
  if (typeof n !== 'number' || !(n > 0) || !Number.isFinite(n)) throw new Error(`expected ${name} to be a number > 0, got ${n}`);
}
