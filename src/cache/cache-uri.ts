/**
 * `--cache <uri>`: which store holds the answers. Parsing only; nothing is opened here.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';

/** The database file's name inside the cache folder. */
export const CACHE_FILE = 'cache.sqlite';

/** Where the cache lives. */
export type CacheLocation =
  /** One SQLite file (WAL), safe for several processes on one machine. */
  | { kind: 'sqlite'; path: string }
  /** One JSON file: portable and diffable, for small caches and one process at a time. */
  | { kind: 'file'; path: string }
  /** A Redis server shared by several machines or CI jobs. `url` keeps any password; never print it. */
  | { kind: 'redis'; url: string };

const EXPECTED = 'expected --cache to be sqlite:PATH, file:PATH.json or redis://HOST:PORT';

/**
 * Parses `--cache`: `sqlite:PATH`, `file:PATH.json` or `redis://HOST:PORT[/DB]` (`rediss://` for TLS).
 * Undefined means the default, `sqlite:<dir>/cache.sqlite`. Relative paths are resolved against the
 * working directory, as any other path on the command line.
 */
export function parseCacheUri(uri: string | undefined, dir: string): CacheLocation {
  if (uri === undefined) return { kind: 'sqlite', path: path.resolve(dir, CACHE_FILE) };
  const bad = (why = ''): UsageError => new UsageError(`${EXPECTED}${why}, got '${uri}'`);
  const scheme = /^([a-z]+):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'sqlite' || scheme === 'file') {
    const rest = uri.slice(scheme.length + 1);
    if (rest.trim() === '') throw bad();
    // `file://` URLs are a common habit; a literal `//` path prefix is never what anyone means.
    const file = rest.startsWith('//') ? rest.replace(/^\/\/(localhost)?/, '') : rest;
    if (scheme === 'file' && !file.toLowerCase().endsWith('.json')) throw bad(' (a file: cache must end in .json)');
    return { kind: scheme, path: path.resolve(file) };
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw bad();
    }
    if (url.hostname === '') throw bad();
    if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) {
      throw bad(' (the database after the port is a number, as in redis://127.0.0.1:6379/2)');
    }
    return { kind: 'redis', url: uri };
  }
  throw bad();
}

/** The location as shown to the user: the path, or the Redis URL without its password. */
export function describeCacheLocation(location: CacheLocation): string {
  if (location.kind !== 'redis') return `${location.kind}:${location.path}`;
  const url = new URL(location.url);
  if (url.password) url.password = '***';
  return url.href.replace(/\/$/, '');
}
