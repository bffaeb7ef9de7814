/**
 * Reads the rate-limit headers each vendor sends with every response (errors included), so the
 * engine can pace to the server's limits without any flag.
 */
import type { RateLimitInfo, RateLimitWindow } from './provider.js';

/** What both SDKs' `Headers` offer. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** The period (ms) each window of an OpenAI-style header set is counted over. */
export interface WindowPeriods {
  requests: number;
  tokens: number;
}

const MINUTE: WindowPeriods = { requests: 60_000, tokens: 60_000 };
/** Groq sends requests per day and tokens per minute under OpenAI's header names. */
const GROQ: WindowPeriods = { requests: 86_400_000, tokens: 60_000 };

/**
 * The periods of the server at `baseURL` (undefined: OpenAI's own). OpenAI counts per minute, Groq
 * requests per day. Other servers copying the headers are read as per minute: their numbers cannot
 * tell the period (a server whose burst is smaller than its limit resets in a second what it
 * states per minute).
 */
export function windowPeriods(baseURL: string | undefined): WindowPeriods {
  if (baseURL === undefined) return MINUTE;
  try {
    return new URL(baseURL).hostname === 'api.groq.com' ? GROQ : MINUTE;
  } catch {
    return MINUTE;
  }
}

/**
 * OpenAI and the servers that copy it (Groq, Together, ...): `x-ratelimit-{limit,remaining,reset}-
 * {requests,tokens}`; resets are Go-style durations ("1s", "6m0s", "2m59.56s") until the limit is
 * fully replenished. The period is not named in the headers (see windowPeriods).
 */
export function parseOpenAIRateLimit(headers: HeaderSource | undefined, periods: WindowPeriods = MINUTE): RateLimitInfo | undefined {
  if (!headers) return undefined;
  const window = (kind: 'requests' | 'tokens'): RateLimitWindow | undefined => {
    const w: RateLimitWindow = {
      limit: count(headers.get(`x-ratelimit-limit-${kind}`)),
      remaining: count(headers.get(`x-ratelimit-remaining-${kind}`)),
      resetMs: parseGoDuration(headers.get(`x-ratelimit-reset-${kind}`)),
    };
    if (periods[kind] !== 60_000 && w.limit !== undefined) w.periodMs = periods[kind];
    return compact(w);
  };
  return info(window('requests'), window('tokens'));
}

/**
 * Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`;
 * resets are RFC 3339 times. `tokens-*` is the most restrictive combined limit; without it the
 * input-token limit stands in (input usually dominates, and counting output against it errs safe).
 * Reset times are measured against the server's `date` header when present, so a skewed local
 * clock does not stretch or cut the wait.
 */
export function parseAnthropicRateLimit(headers: HeaderSource | undefined, now = Date.now()): RateLimitInfo | undefined {
  if (!headers) return undefined;
  const serverNow = dateOr(headers.get('date'), now);
  const window = (kind: string): RateLimitWindow | undefined =>
    compact({
      limit: count(headers.get(`anthropic-ratelimit-${kind}-limit`)),
      remaining: count(headers.get(`anthropic-ratelimit-${kind}-remaining`)),
      resetMs: untilTime(headers.get(`anthropic-ratelimit-${kind}-reset`), serverNow),
    });
  return info(window('requests'), window('tokens') ?? window('input-tokens'));
}

const GO_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** A Go duration string ("1h2m3.5s", "120ms") in ms, or undefined when it is not one. */
export function parseGoDuration(raw: string | null | undefined): number | undefined {
  const text = raw?.trim();
  if (!text || !/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) ms += Number(n) * GO_UNITS[unit];
  return Math.round(ms);
}

function count(raw: string | null): number | undefined {
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

function untilTime(raw: string | null, serverNow: number): number | undefined {
  if (raw === null) return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - serverNow);
}

function dateOr(raw: string | null, fallback: number): number {
  const at = raw === null ? NaN : Date.parse(raw);
  return Number.isNaN(at) ? fallback : at;
}

function compact(w: RateLimitWindow): RateLimitWindow | undefined {
  const out: RateLimitWindow = {};
  if (w.limit !== undefined) out.limit = w.limit;
  if (w.remaining !== undefined) out.remaining = w.remaining;
  if (w.resetMs !== undefined) out.resetMs = w.resetMs;
  if (w.periodMs !== undefined) out.periodMs = w.periodMs;
  return Object.keys(out).length > 0 ? out : undefined;
}

function info(requests: RateLimitWindow | undefined, tokens: RateLimitWindow | undefined): RateLimitInfo | undefined {
  if (!requests && !tokens) return undefined;
  return { ...(requests && { requests }), ...(tokens && { tokens }) };
}
