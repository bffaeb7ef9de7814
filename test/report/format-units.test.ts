import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatPrice, formatRate, formatUsd } from '../../src/report/format-units.js';

describe('format-units', () => {
  it('prices: at least to the cent, tiny limits with their significant digits', () => {
    expect(formatPrice(0.15)).toBe('$0.15');
    expect(formatPrice(2.5)).toBe('$2.50');
    expect(formatPrice(1000)).toBe('$1,000.00');
    expect(formatPrice(0.075)).toBe('$0.075');
    expect(formatPrice(0.0000001)).toBe('$0.00000010');
    expect(formatPrice(0)).toBe('$0.00');
  });
  it('dollars spent, counts, rates and durations', () => {
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(0.0123)).toBe('$0.0123');
    expect(formatUsd(0.000085)).toBe('$0.000085');
    expect(formatCount(12345)).toBe('12,345');
    expect(formatRate(81.34)).toBe('81.3');
    expect(formatRate(20000.4)).toBe('20,000');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_340)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m 05s');
  });
});
