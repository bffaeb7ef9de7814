import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCacheLocation, parseCacheUri } from '../../src/cache/cache-uri.js';
import { UsageError } from '../../src/errors.js';

const EXPECTED = 'expected --cache to be sqlite:PATH, file:PATH.json or redis://HOST:PORT';

describe('parseCacheUri', () => {
  it('defaults to cache.sqlite in the cache folder', () => {
    expect(parseCacheUri(undefined, '/home/me/.cache/llmap')).toEqual({ kind: 'sqlite', path: '/home/me/.cache/llmap/cache.sqlite' });
  });

  it('reads sqlite: and file: paths, resolving relative ones against the working directory', () => {
    expect(parseCacheUri('sqlite:/data/answers.db', '/ignored')).toEqual({ kind: 'sqlite', path: '/data/answers.db' });
    expect(parseCacheUri('sqlite:answers.db', '/ignored')).toEqual({ kind: 'sqlite', path: path.resolve('answers.db') });
    expect(parseCacheUri('file:shared/cache.json', '/ignored')).toEqual({ kind: 'file', path: path.resolve('shared/cache.json') });
    expect(parseCacheUri('file:///tmp/c.JSON', '/ignored')).toEqual({ kind: 'file', path: '/tmp/c.JSON' });
    expect(parseCacheUri('SQLITE:/x.db', '/ignored')).toEqual({ kind: 'sqlite', path: '/x.db' });
  });

  it('reads redis:// and rediss:// URLs with an optional database number', () => {
    expect(parseCacheUri('redis://127.0.0.1:6379', '/d')).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(parseCacheUri('redis://cache.internal:6380/2', '/d')).toEqual({ kind: 'redis', url: 'redis://cache.internal:6380/2' });
    expect(parseCacheUri('rediss://:pw@cache:6380/', '/d')).toEqual({ kind: 'redis', url: 'rediss://:pw@cache:6380/' });
  });

  const bad: Array<[string, string]> = [
    ['x', `${EXPECTED}, got 'x'`],
    ['cache.sqlite', `${EXPECTED}, got 'cache.sqlite'`],
    ['sqlite:', `${EXPECTED}, got 'sqlite:'`],
    ['file:  ', `${EXPECTED}, got 'file:  '`],
    ['file:cache.txt', `${EXPECTED} (a file: cache must end in .json), got 'file:cache.txt'`],
    ['redis://', `${EXPECTED}, got 'redis://'`],
    ['redis://host:port', `${EXPECTED}, got 'redis://host:port'`],
    [
      'redis://127.0.0.1:6379/cache',
      `${EXPECTED} (the database after the port is a number, as in redis://127.0.0.1:6379/2), got 'redis://127.0.0.1:6379/cache'`,
    ],
    ['memcached://127.0.0.1:11211', `${EXPECTED}, got 'memcached://127.0.0.1:11211'`],
  ];
  for (const [uri, message] of bad) {
    it(`refuses '${uri}' with a UsageError saying what is expected`, () => {
      let caught: unknown;
      try {
        parseCacheUri(uri, '/d');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as Error).message).toBe(message);
    });
  }
});

describe('describeCacheLocation', () => {
  it('shows paths with their kind and Redis URLs without the password', () => {
    expect(describeCacheLocation({ kind: 'sqlite', path: '/c/cache.sqlite' })).toBe('sqlite:/c/cache.sqlite');
    expect(describeCacheLocation({ kind: 'file', path: '/c/cache.json' })).toBe('file:/c/cache.json');
    expect(describeCacheLocation({ kind: 'redis', url: 'redis://127.0.0.1:6379' })).toBe('redis://127.0.0.1:6379');
    expect(describeCacheLocation({ kind: 'redis', url: 'redis://user:s3cret@cache:6379/2' })).toBe('redis://user:***@cache:6379/2');
  });
});
