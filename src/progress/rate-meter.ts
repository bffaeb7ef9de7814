/**
 * The recent speed of a run. The average since start misleads when a run begins with a burst of
 * cache hits, so progress shows the rate over a sliding window instead.
 */
export class RateMeter {
  // (time ms, rows done) pairs; at most one per sample() call inside the window, plus one anchor before it.
  private readonly samples: Array<[number, number]>;

  constructor(
    private readonly windowMs: number,
    startMs: number,
    startCount = 0,
  ) {
    this.samples = [[startMs, startCount]];
  }

  /** Records that `count` rows were done at `nowMs` and returns the rows/s over the window. */
  sample(nowMs: number, count: number): number {
    const last = this.samples[this.samples.length - 1];
    if (nowMs > last[0]) this.samples.push([nowMs, count]);
    else last[1] = count;
    // Keep the newest sample at or before the window start as the anchor the rate is measured from.
    while (this.samples.length > 2 && this.samples[1][0] <= nowMs - this.windowMs) this.samples.shift();
    const [t0, n0] = this.samples[0];
    return nowMs > t0 ? ((count - n0) * 1000) / (nowMs - t0) : 0;
  }
}
