/**
 * A seeded, deterministic fault mix: request number n draws the n-th number of a mulberry32
 * sequence and, by where it falls, gets a 429, a 500, a reset socket, a hang, a malformed body or
 * a normal answer. Same seed and request order, same faults.
 */

/** Fault kinds of a mix, in the order their probability bands are laid out on [0, 1). */
export const FAULT_KINDS = ['rateLimit', 'server', 'reset', 'hang', 'malformed'];

/** The mix of the issue "llmap keeps going under rate limits, faults, interrupts". */
export const DEFAULT_FAULT_MIX = { rateLimit: 0.1, server: 0.05, reset: 0.02, hang: 0.01, malformed: 0.01 };

const GOLDEN = 0x6d2b79f5;

/**
 * The n-th draw (1-based) of mulberry32 seeded with `seed`, in [0, 1). mulberry32 adds a constant
 * to its state per draw, so any draw can be computed directly: no shared state, and `reset()`
 * restarting the request count restarts the sequence.
 */
export function mulberry32At(seed, n) {
  let t = ((seed >>> 0) + Math.imul(n, GOLDEN)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A behaviour answering request n by the fault mix; undefined (a normal answer) outside every band. */
export function faultMix(options) {
  const { seed, retryAfter, retryAfterMs } = options;
  if (!Number.isInteger(seed)) throw new Error(`expected faults.seed to be an integer, got ${seed}`);
  let total = 0;
  const bands = FAULT_KINDS.map((kind) => {
    const p = options[kind] ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`expected faults.${kind} to be a probability in [0, 1], got ${p}`);
    total += p;
    return { kind, upTo: total };
  });
  if (total > 1 + 1e-9) throw new Error(`fault probabilities add up to ${total}; they must add up to at most 1`);
  const tooMany = responseFor('rateLimit', retryAfter, retryAfterMs);

  return (_req, n) => {
    const u = mulberry32At(seed, n);
    const band = bands.find((b) => u < b.upTo);
    if (band === undefined) return undefined;
    return band.kind === 'rateLimit' ? tooMany : responseFor(band.kind);
  };
}

function responseFor(kind, retryAfter, retryAfterMs) {
  if (kind === 'server') return { status: 500 };
  if (kind === 'reset') return { reset: true };
  if (kind === 'hang') return { hang: true };
  if (kind === 'malformed') return { malformed: true };
  // OpenAI sends both headers; clients that only read `retry-after` still get a usable (rounded-up) value.
  if (retryAfterMs !== undefined) return { status: 429, retryAfterMs, retryAfter: Math.ceil(Number(retryAfterMs) / 1000) };
  return { status: 429, retryAfter: retryAfter ?? '1' };
}

/** Parses a CLI mix like `429=0.1,500=0.05,reset=0.02,hang=0.01,malformed=0.01`; throws a one-line message. */
export function parseFaultMix(text) {
  const alias = { 429: 'rateLimit', 500: 'server', rate_limit: 'rateLimit' };
  const mix = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const [name, value, extra] = part.split('=').map((s) => s.trim());
    const kind = alias[name] ?? name;
    const p = Number(value);
    if (!FAULT_KINDS.includes(kind) || extra !== undefined || value === undefined || value === '' || !(p >= 0 && p <= 1)) {
      throw new Error(
        `expected --fault-mix entries like 429=0.1 (kinds: 429, 500, reset, hang, malformed; probabilities in [0, 1]), got '${part}'`,
      );
    }
    mix[kind] = p;
  }
  return mix;
}
