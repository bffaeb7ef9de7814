import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../src/progress/rate-meter.js';

describe('RateMeter', () => {
  it('measures the rate over the window, not since the start', () => {
    const meter = new RateMeter(1000, 0);
    expect(meter.sample(500, 1000)).toBe(2000); // a burst of cache hits
    expect(meter.sample(1000, 1010)).toBe(1010);
    expect(meter.sample(1500, 1020)).toBe(20); // anchor is now t=500
    expect(meter.sample(2500, 1040)).toBe(20); // anchor t=1500
  });

  it('returns 0 before any time has passed', () => {
    expect(new RateMeter(1000, 100, 5).sample(100, 50)).toBe(0);
  });
});
