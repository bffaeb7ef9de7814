/**
 * `--queue redis://HOST:PORT[/DB]` and `--chunk-size`: where a run's chunks of rows are queued for
 * `llmap worker` processes on other machines. Parsing only; nothing is opened here.
 */
import { UsageError } from '../errors.js';
import { parseWholeNumber } from './parse-values.js';

/** The default rows per chunk: big enough that queue overhead is small, small enough to spread. */
export const DEFAULT_CHUNK_SIZE = 200;

/** A validated queue. `url` keeps any password; never print it. */
export interface QueueConfig {
  url: string;
  chunkSize: number;
}

/** Checks `--queue` (a Redis URL, as for --cache) and `--chunk-size`. */
export function parseQueueConfig(uri: string, chunkSize: string | undefined): QueueConfig {
  return { url: parseQueueUrl(uri), chunkSize: chunkSize === undefined ? DEFAULT_CHUNK_SIZE : parseWholeNumber('--chunk-size', chunkSize, 1, 100_000) };
}

/** `redis://HOST:PORT[/DB]` or `rediss://` (TLS); throws a UsageError naming --queue otherwise. */
export function parseQueueUrl(uri: string): string {
  const bad = (why = ''): UsageError => new UsageError(`expected --queue to be redis://HOST:PORT[/DB]${why}, got '${shownQueueUrl(uri)}'`);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw bad();
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') throw bad();
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) {
    throw bad(' (the database after the port is a number, as in redis://127.0.0.1:6379/2)');
  }
  return uri;
}

/** The URL as shown to the user: its password replaced by ***. */
export function shownQueueUrl(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password) url.password = '***';
    return url.href.replace(/\/$/, '');
  } catch {
    return uri.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}
