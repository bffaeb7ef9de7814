/** Ready-made per-request behaviours: "the first 2 requests get 429", failure plans. */

const kinds = {
  rate_limit: { status: 429 },
  server: { status: 500 },
  unavailable: { status: 503 },
  overloaded: { status: 529 },
  timeout: { status: 408 },
  bad_request: { status: 400 },
  auth: { status: 401 },
  forbidden: { status: 403 },
  not_found: { status: 404 },
  reset: { reset: true },
  hang: { hang: true },
  malformed: { malformed: true },
  empty: { empty: true },
};

/** The response of one failure kind (a name above or an HTTP status), merged with extra fields. */
export function failure(kind, extra = {}) {
  const base = typeof kind === 'number' ? { status: kind } : kinds[kind];
  if (base === undefined) throw new Error(`unknown failure kind '${kind}'; kinds are: ${Object.keys(kinds).join(', ')}`);
  return { ...base, ...extra };
}

/** A behaviour that answers the first `n` requests with `response`, then normally. */
export function failFirst(n, response) {
  return (_req, i) => (i <= n ? response : undefined);
}

/**
 * A behaviour from a plan `[{kind, count, ...extra}]`: the first `count` requests fail with the
 * first kind, the next ones with the second, and so on; then requests are answered normally.
 */
export function planBehavior(plan) {
  const steps = plan.map(({ kind, count, ...extra }) => ({ count, response: failure(kind, extra) }));
  return (_req, i) => {
    let upTo = 0;
    for (const step of steps) {
      upTo += step.count;
      if (i <= upTo) return step.response;
    }
    return undefined;
  };
}
