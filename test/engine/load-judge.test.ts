import { describe, expect, it } from 'vitest';
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
