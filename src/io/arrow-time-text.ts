/**
 * Exact ISO 8601 text of Arrow's temporal values, computed from their raw integers (apache-arrow's
 * own accessors hand timestamps over as float milliseconds, which drop nanoseconds and wrap past
 * int64's range). Years 0000-9999 have four digits; others a sign and six or more (as
 * Date.prototype.toISOString writes them).
 */

/** Units per second of Arrow's TimeUnit values (SECOND, MILLISECOND, MICROSECOND, NANOSECOND). */
const PER_SECOND = [1n, 1_000n, 1_000_000n, 1_000_000_000n];
/** Fraction digits each TimeUnit has. */
const DIGITS = [0, 3, 6, 9];
const DAY_SECONDS = 86_400n;

/** Floor division, which bigint's `/` (truncating) is not. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function pad(n: bigint | number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The civil date of a day count since 1970-01-01 (H. Hinnant's days_from_civil, inverted). */
export function isoDate(days: bigint): string {
  const z = days + 719_468n;
  const era = floorDiv(z, 146_097n);
  const doe = z - era * 146_097n;
  const yoe = (doe - doe / 1_460n + doe / 36_524n - doe / 146_096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = doy - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yoe + era * 400n + (month <= 2n ? 1n : 0n);
  const yearText = year >= 0n && year <= 9999n ? pad(year, 4) : (year < 0n ? '-' : '+') + pad(year < 0n ? -year : year, 6);
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `.123` for 123 with 3 digits; '' for 0 digits. */
function fraction(value: bigint | number, digits: number): string {
  return digits === 0 ? '' : `.${pad(value, digits)}`;
}

/** Milliseconds Date can hold either side of the epoch. */
const MAX_DATE_MS = 8.64e15;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const PER_SECOND_NUMBER = PER_SECOND.map(Number);

/** 2024-03-05T12:34:56.123456789 for a count of `unit` since the epoch, without a zone. */
export function isoDateTime(value: bigint, unit: number): string {
  // Most values are exact as doubles and within Date's range: then plain numbers and Date's own
  // formatting (years written the same way: four digits, else a sign and six) are several times
  // faster than bigint arithmetic.
  if (value <= SAFE && value >= -SAFE) {
    const v = Number(value);
    const per = PER_SECOND_NUMBER[unit];
    let seconds = Math.floor(v / per);
    // The division is rounded; the products are exact, so they put it right.
    if (seconds * per > v) seconds--;
    else if ((seconds + 1) * per <= v) seconds++;
    const ms = seconds * 1000;
    if (ms <= MAX_DATE_MS && ms >= -MAX_DATE_MS) {
      return new Date(ms).toISOString().slice(0, -5) + fraction(v - seconds * per, DIGITS[unit]);
    }
  }
  const perSecond = PER_SECOND[unit];
  const seconds = floorDiv(value, perSecond);
  const days = floorDiv(seconds, DAY_SECONDS);
  const ofDay = seconds - days * DAY_SECONDS;
  return `${isoDate(days)}T${clock(ofDay)}${fraction(value - seconds * perSecond, DIGITS[unit])}`;
}

/** HH:MM:SS of a second count (hours past 23 when it is longer than a day). */
function clock(seconds: bigint): string {
  return `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}`;
}

/** 12:34:56.789 for an Arrow Time value, a count of `unit` since midnight. */
export function isoTime(value: bigint, unit: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const perSecond = PER_SECOND[unit];
  return `${negative ? '-' : ''}${clock(abs / perSecond)}${fraction(abs % perSecond, DIGITS[unit])}`;
}

/** `1.500` for 1500 with 3 digits, `-0.5` signs kept: a count of 10^-digits seconds as decimal seconds. */
export function decimalSeconds(value: bigint, digits: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const perSecond = 10n ** BigInt(digits);
  return `${negative ? '-' : ''}${abs / perSecond}${fraction(abs % perSecond, digits)}`;
}

/** An Arrow Duration as an ISO 8601 duration in seconds: PT90.500S, -PT0.000001S. */
export function isoDuration(value: bigint, unit: number): string {
  const text = decimalSeconds(value, DIGITS[unit]);
  return text.startsWith('-') ? `-PT${text.slice(1)}S` : `PT${text}S`;
}

/**
 * A timestamp in `timezone` (an Arrow timezone: an IANA name or a fixed offset such as +05:30):
 * the wall-clock time there with its UTC offset, 'Z' for UTC. The zone's offsets come from the
 * runtime's time zone data (Intl); an instant outside Date's range is written in UTC.
 */
export function zonedTimestamp(timezone: string): (value: bigint, unit: number) => string {
  const fixed = fixedOffsetSeconds(timezone);
  const offsetOf = fixed !== undefined ? () => fixed : zoneOffsets(timezone);
  return (value, unit) => {
    const seconds = floorDiv(value, PER_SECOND[unit]);
    const offset = offsetOf(seconds);
    if (offset === undefined || offset === 0) return `${isoDateTime(value, unit)}Z`;
    return isoDateTime(value + BigInt(offset) * PER_SECOND[unit], unit) + offsetText(offset);
  };
}

/** Seconds east of UTC of a fixed-offset timezone ('UTC', '+05:30', '-0800'); undefined for a zone name. */
function fixedOffsetSeconds(timezone: string): number | undefined {
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt|etc\/zulu|zulu|universal)$/i.test(timezone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(timezone);
  if (!match) return undefined;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

/** +05:30, -04:56:02 */
function offsetText(seconds: number): string {
  const abs = Math.abs(seconds);
  const sec = abs % 60;
  return `${seconds < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor(abs / 60) % 60, 2)}${sec ? `:${pad(sec, 2)}` : ''}`;
}

const MAX_DATE_SECONDS = 8_640_000_000_000n;
/** Offsets are looked up once per quarter hour of instants (no zone changes offset twice in one). */
const BUCKET_SECONDS = 900n;
const MAX_CACHED = 10_000;

/** Seconds east of UTC at an instant (epoch seconds) in an IANA zone; undefined outside Date's range. */
function zoneOffsets(timezone: string): (seconds: bigint) => number | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      era: 'short',
    });
  } catch {
    // A zone the runtime does not know: the instant is still exact in UTC.
    return () => undefined;
  }
  const at = (seconds: bigint): number => {
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(new Date(Number(seconds) * 1000))) parts[part.type] = part.value;
    const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
    const wall = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    // Date.UTC maps years 0-99 to 1900-1999.
    const fixedWall = year >= 0 && year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
    return Math.round(fixedWall / 1000 - Number(seconds));
  };
  const cache = new Map<bigint, number | null>();
  return (seconds) => {
    if (seconds > MAX_DATE_SECONDS || seconds < -MAX_DATE_SECONDS) return undefined;
    const bucket = floorDiv(seconds, BUCKET_SECONDS);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      const start = at(bucket * BUCKET_SECONDS);
      // A change of offset inside the bucket: that bucket is looked up per instant.
      offset = start === at(bucket * BUCKET_SECONDS + BUCKET_SECONDS - 1n) ? start : null;
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(bucket, offset);
    }
    return offset ?? at(seconds);
  };
}
