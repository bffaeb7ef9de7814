import { describe, expect, it, vi } from 'vitest';
import { LoadJudge } from '../../src/engine/load-judge.js';

describe('LoadJudge.successesPerMinute', () => {
  it('measures nothing before a whole window has passed since the start: a burst refused early is not a rate', () => {
    let now = 0;
    const judge = new LoadJudge(() => now);
    // The start of a run: 5 of a burst's successes are in when its first refusals arrive.
    now = 200;
    for (let k = 0; k < 5; k++) judge.succeeded(195 + k);
    expect(judge.successesPerMinute(1000)).toBeUndefined();
    // A window later, the same count is a rate: 5 a second.
    now = 1100;
    expect(judge.successesPerMinute(1000)).toBe(300);
  });

  it('reaches back past the time every request was held, so a window spent waiting measures the limit', () => {
    let now = 0;
    const judge = new LoadJudge(() => now);
    // 20 got through at 2.0 s, everything was held 2.01-3.01 s, 2 more got through after.
    for (let k = 0; k < 20; k++) judge.succeeded(2000 + k / 10);
    judge.succeeded(3020);
    judge.succeeded(3030);
    now = 3040;
    // The last second alone holds 2 successes and a second of waiting.
    expect(judge.successesPerMinute(1000)).toBeUndefined();
    // Reaching back the 1 s of waiting finds the 20 before it: 22 a second.
    expect(judge.successesPerMinute(1000, 1000)).toBe(22 * 60);
  });
});

describe('LoadJudge.untilMeasurable and once', () => {
  it('says how long until a window has passed since the start, and runs a scheduled measure once however often asked', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      let now = 0;
      const judge = new LoadJudge(() => now);
      now = 300;
      expect(judge.untilMeasurable(1000)).toBe(700);
      expect(judge.untilMeasurable(500)).toBe(700); // a window is at least a second
      const runs: number[] = [];
      // The refusals of one burst all ask; one measure runs, when the window is over.
      for (let k = 0; k < 5; k++) judge.once(judge.untilMeasurable(1000), () => runs.push(now));
      now = 999;
      vi.advanceTimersByTime(699);
      expect(runs).toEqual([]);
      now = 1000;
      vi.advanceTimersByTime(1);
      expect(runs).toEqual([1000]);
      expect(judge.untilMeasurable(1000)).toBe(0);
      // Once it has run, a later ask schedules again.
      judge.once(10, () => runs.push(-1));
      vi.advanceTimersByTime(10);
      expect(runs).toEqual([1000, -1]);
    } finally {
      vi.useRealTimers();
    }
  });
});
