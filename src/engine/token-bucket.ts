/**
 * A token bucket on an injected clock: refills continuously at a rate per minute up to a small
 * burst. Its level may go below zero (a debt): a request bigger than the burst is let through when
 * the bucket is full and paid back before the next one, and a server saying "fewer left than you
 * think" is modelled the same way.
 */

/** A refilling budget of requests or tokens. */
export class TokenBucket {
  private level: number;
  private capacity: number;
  private perMs: number;
  private updatedAt: number;

  /** A full bucket refilling `perMinute`, holding at most `burst`. */
  constructor(perMinute: number, burst: number, nowMs: number) {
    this.perMs = perMinute / 60_000;
    this.capacity = Math.max(1, burst);
    this.level = this.capacity;
    this.updatedAt = nowMs;
  }

  /** The refill rate per minute. */
  get perMinute(): number {
    return this.perMs * 60_000;
  }

  /** The level at `nowMs` (negative while in debt). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.level;
  }

  /** Ms until `n` can be taken (a request larger than the burst waits for a full bucket); 0 = now. */
  waitMs(n: number, nowMs: number): number {
    this.refill(nowMs);
    const need = Math.min(n, this.capacity);
    return this.level >= need ? 0 : Math.ceil((need - this.level) / this.perMs);
  }

  /** Takes `n` (negative gives back), never above the burst. */
  take(n: number, nowMs: number): void {
    this.refill(nowMs);
    this.level = Math.min(this.capacity, this.level - n);
  }

  /** Lowers the level to `max` if it is higher (what the server says is left wins over our count). */
  clamp(max: number, nowMs: number): void {
    this.refill(nowMs);
    if (max < this.level) this.level = max;
  }

  /** Changes the rate and burst, keeping the level (cut to the new burst). */
  setRate(perMinute: number, burst: number, nowMs: number): void {
    this.refill(nowMs);
    this.perMs = perMinute / 60_000;
    this.capacity = Math.max(1, burst);
    this.level = Math.min(this.level, this.capacity);
  }

  private refill(nowMs: number): void {
    if (nowMs > this.updatedAt) {
      this.level = Math.min(this.capacity, this.level + (nowMs - this.updatedAt) * this.perMs);
      this.updatedAt = nowMs;
    }
  }
}

/** The burst allowed for a rate: one second's worth, so pacing stays smooth. */
export function burstFor(perMinute: number): number {
  return Math.max(1, Math.ceil(perMinute / 60));
}
