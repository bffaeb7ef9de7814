import { describe, expect, it } from 'vitest';
import { quietProgress } from '../../src/progress/quiet.js';

describe('quietProgress', () => {
  it('observes nothing and stops without error', () => {
    const progress = quietProgress();
    expect(Object.keys(progress)).toEqual(['stop']);
    expect(() => progress.stop()).not.toThrow();
  });
});
