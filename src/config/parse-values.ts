/**
 * Flag value parsers. Each validates when the option is set and names the flag in its message:
 * "expected --concurrency to be a whole number >= 1, got 'abc'".
 */
import { UsageError } from '../errors.js';

/** A whole number within [min, max]. */
export function parseWholeNumber(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`expected ${flag} to be a whole number ${range}, got '${raw}'`);
  }
  return n;
}

/** A finite number within [min, max]. */
export function parseNumberIn(flag: string, raw: string, min: number, max: number): number {
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`expected ${flag} to be a number from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`expected ${flag} to be one of ${choices.join(', ')}, got '${raw}'`);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration such as `500ms`, `30s`, `2m`, `1h`; a bare number is seconds. Hand-written rather
 * than the `ms` package because there a bare number means milliseconds, a trap for `--timeout 30`.
 */
export function parseDuration(flag: string, raw: string, minMs = 1): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(raw);
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 's'] : NaN;
  if (!Number.isFinite(ms) || ms < minMs) {
    throw new UsageError(`expected ${flag} to be a duration such as 500ms, 30s or 2m (a bare number is seconds), got '${raw}'`);
  }
  return Math.round(ms);
}

/**
 * An age with a unit: parseDuration's ms/s/m/h plus d (days) and w (weeks). A bare number is
 * refused here, unlike --timeout: `--older-than 30` read as seconds would empty the cache.
 */
export function parseAge(flag: string, raw: string): number {
  const bad = new UsageError(`expected ${flag} to be an age with a unit such as 30d, 12h or 90m, got '${raw}'`);
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(raw);
  if (!match) throw bad;
  const [, amount, unit] = match;
  const hours = { d: 24, w: 168 }[unit as 'd' | 'w'];
  try {
    return parseDuration(flag, hours === undefined ? `${amount}${unit}` : `${Number(amount) * hours}h`);
  } catch {
    throw bad;
  }
}
