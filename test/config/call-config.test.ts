import { describe, expect, test } from 'vitest';
import { resolveCallConfig } from '../../src/config/call-config.js';

const resolve = (raw: Parameters<typeof resolveCallConfig>[0]) => resolveCallConfig({ provider: 'echo', ...raw }, {}, () => '/tmp/llmap-cache');

describe('concurrency', () => {
  test('without -j: a cap of 64, starting at 8', () => {
    expect(resolve({})).toMatchObject({ concurrency: 64, startConcurrency: 8 });
  });
  test('-j given (or a profile value): start at it', () => {
    expect(resolve({ concurrency: '256' })).toMatchObject({ concurrency: 256, startConcurrency: 256 });
    expect(resolve({ concurrency: '3' })).toMatchObject({ concurrency: 3, startConcurrency: 3 });
  });
  test('a bad -j names the flag', () => {
    expect(() => resolve({ concurrency: '0' })).toThrow(/--concurrency/);
  });
});

describe('--cache-memory', () => {
  test('a whole number of entries, 0 turning the memory layer off', () => {
    expect(resolve({ cacheMemory: '500' }).cacheMemoryEntries).toBe(500);
    expect(resolve({ cacheMemory: '0' }).cacheMemoryEntries).toBe(0);
    expect(resolve({}).cacheMemoryEntries).toBeUndefined();
  });
  test('a bad value names the flag; with --no-cache it is a contradiction', () => {
    expect(() => resolve({ cacheMemory: '-1' })).toThrow(/--cache-memory/);
    expect(() => resolve({ cache: false, cacheMemory: '10' })).toThrow('--no-cache turns the cache off; drop --cache-memory or --no-cache');
  });
});
