import { describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../../src/cache/default-dir.js';

describe('defaultCacheDir', () => {
  it('uses $XDG_CACHE_HOME/llmap when set', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/me')).toBe('/var/cache/me/llmap');
  });

  it('falls back to ~/.cache/llmap when unset or empty', () => {
    expect(defaultCacheDir({}, '/home/me')).toBe('/home/me/.cache/llmap');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '' }, '/home/me')).toBe('/home/me/.cache/llmap');
  });

  it('ignores a relative $XDG_CACHE_HOME, as the XDG spec requires', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'cache' }, '/home/me')).toBe('/home/me/.cache/llmap');
  });
});
