/**
 * A limit enforced the way many servers do it without saying so: at most `limit` requests admitted
 * in any `windowMs` (a sliding log of admission times). A request over it gets 429 with only a
 * `Retry-After` in whole seconds (rounded up) until the oldest admission leaves the window: no
 * rate-limit headers, so a client can learn the limit only from the refusals.
 */

/** A sliding-window limiter; `now` is the clock in ms. */
export function createSlidingWindow(options, now) {
  const { limit, windowMs } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`expected slidingWindow.limit to be a whole number >= 1, got ${limit}`);
  if (typeof windowMs !== 'number' || !(windowMs > 0)) throw new Error(`expected slidingWindow.windowMs to be a number > 0, got ${windowMs}`);
  // Admission times, oldest first, as a ring: never more than `limit` of them matter.
  let admitted = [];

  /** Admits a request now, or refuses it with the `retry-after` header to send. */
  function admit() {
    const t = now();
    while (admitted.length > 0 && admitted[0] <= t - windowMs) admitted.shift();
    if (admitted.length < limit) {
      admitted.push(t);
      return { ok: true };
    }
    const waitMs = admitted[0] + windowMs - t;
    return { ok: false, headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) } };
  }

  return {
    admit,
    restart() {
      admitted = [];
    },
  };
}
