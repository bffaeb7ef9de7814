/**
 * The `file:PATH.json` store: keyv-file with a readable file format and a flush on close.
 *
 * keyv-file keeps every entry in memory and rewrites the whole file (batched: a write waits
 * `writeDelay` ms for others to join it). So it suits small caches that you commit or share, not
 * large ones; it is not crash-safe (a kill during a write can leave a truncated file) and not for
 * two processes at once (the last to write wins). Use `sqlite:` or `redis://` for those.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KeyvFile } from 'keyv-file';
import { UsageError, describeError } from '../errors.js';

/** The file's shape, as keyv-file reads and writes it. */
interface FileData {
  cache: Array<[string, unknown]>;
  lastExpire: number;
}

/** keyv-file's default batching window (ms). */
const WRITE_DELAY_MS = 100;

/** A keyv store adapter over one JSON file; `disconnect()` writes whatever is not on disk yet. */
export class JsonFileStore extends KeyvFile {
  /** Writes started through this store and not yet settled. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Whether anything changed since the file was read. */
  private dirty = false;
  private disconnected = false;

  /** Opens (creating if missing) the cache file; throws UsageError when it is not one of ours. */
  constructor(file: string) {
    prepareFile(file);
    super({
      filename: file,
      writeDelay: WRITE_DELAY_MS,
      serialize: serializeFile,
      deserialize: (raw: string | Buffer) => JSON.parse(raw.toString()),
    });
  }

  /** Stores `value`; resolves once the file holding it has been written. */
  override set(key: string, value: unknown, ttl?: number): Promise<unknown> {
    return this.track(super.set(key, value, ttl));
  }

  /** Removes `key`; resolves once the file has been written. */
  override delete(key: string): Promise<boolean> {
    return this.track(super.delete(key));
  }

  /** Removes `keys` (each must exist: keyv-file stops at the first missing one). */
  override deleteMany(keys: string[]): Promise<boolean> {
    return this.track(super.deleteMany(keys));
  }

  /** Removes every entry. */
  override clear(): Promise<unknown> {
    return this.track(super.clear());
  }

  /** The stored keys as an array: keyv-file's iterator calls `.filter` on this, which a Map iterator lacks before Node 22. */
  override async keys(): Promise<string[]> {
    return [...(await super.keys())];
  }

  /**
   * Waits for pending writes, then writes the file once more. The extra write is needed because
   * keyv-file hands a set that arrives while a write is running the promise of that running write,
   * which was serialized before the set: awaiting it alone could drop the newest entries.
   */
  override async disconnect(): Promise<void> {
    if (this.disconnected) return;
    this.disconnected = true;
    if (!this.dirty) return;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    // keyv-file forgets its running write one microtask after resolving it: let that happen so
    // the next save starts a fresh write of the whole map instead of returning the old promise.
    await new Promise((resolve) => setImmediate(resolve));
    this.opts.writeDelay = 0;
    await super.deleteMany([]);
  }

  private track<T>(write: Promise<T>): Promise<T> {
    this.dirty = true;
    this.inFlight.add(write);
    const forget = (): void => void this.inFlight.delete(write);
    write.then(forget, forget);
    return write;
  }
}

/**
 * One entry per line, sorted by key, so a committed cache diffs and merges line by line.
 */
function serializeFile(data: FileData): string {
  const entries = [...data.cache].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = entries.map((entry) => JSON.stringify(entry));
  const body = lines.length === 0 ? '[]' : `[\n${lines.join(',\n')}\n]`;
  return `{"lastExpire":${JSON.stringify(data.lastExpire ?? null)},"cache":${body}}\n`;
}

/**
 * Creates the file (0600, folder 0700) when missing; otherwise checks that it is a cache file.
 * keyv-file would print a stack and start empty on a file it cannot parse, then overwrite it with
 * the first answer: a user's mistyped path must not cost them their file.
 */
function prepareFile(file: string): void {
  const fail = (why: string, cause?: unknown): UsageError =>
    new UsageError(`cannot use cache file '${file}': ${why}`, cause === undefined ? undefined : { cause });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw fail(`${describeError(err)}; check its permissions, or choose another --cache`, err);
    }
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, serializeFile({ cache: [], lastExpire: Date.now() }), { mode: 0o600, flag: 'wx' });
    } catch (err2) {
      throw fail(`${describeError(err2)}; check its folder's permissions, or choose another --cache`, err2);
    }
    return;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw fail('it is not JSON written by llmap; delete it or choose another --cache');
  }
  const cache = typeof data === 'object' && data !== null ? (data as { cache?: unknown }).cache : undefined;
  if (!Array.isArray(cache)) {
    throw fail('it is not JSON written by llmap (no "cache" list); delete it or choose another --cache');
  }
}
