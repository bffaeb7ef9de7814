/**
 * A keyv storage adapter over one SQLite file (better-sqlite3), shared safely by several llmap
 * processes.
 *
 * Durability: WAL with synchronous=NORMAL. A write is in the WAL file (the OS page cache) once its
 * statement returns, so it survives the process crashing or being killed (kill -9). It does NOT
 * promise to survive a power loss or OS crash: the last commits before one may be lost, never the
 * file's integrity. That trade makes a commit cost a write() instead of an fsync().
 */
import { EventEmitter } from 'node:events';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { UsageError, describeError } from '../errors.js';

/** How long a write waits for another process holding the lock before failing (ms). */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * WAL pages before a checkpoint copies them into the database (SQLite's default is 1,000). Each
 * checkpoint fsyncs, and a page changed several times is copied once, so fewer, larger ones cost
 * less: measured 75 -> 55 µs per insert. The WAL file may grow to ~40 MB during a run.
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * SQLite's page cache, in KiB (its default is 2 MB). Keys are hashes, so lookups land all over the
 * key index; with its upper levels cached, a batched read on a 200,000-entry file took 6.6 µs a key
 * instead of 8.7. Memory grows to this only as pages are read.
 */
const PAGE_CACHE_KIB = 32 * 1024;

/** Most keys per `IN (...)` lookup (well under SQLite's limit on bound parameters). */
const MAX_BLOCK = 512;

/** The power of two at or above n (n >= 1). */
function blockSize(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

interface Row {
  value: string;
}

/** What `stats()` counts: unexpired entries of the store's namespace. */
export interface SqliteStoreStats {
  /** Number of entries. */
  entries: number;
  /** Earliest and latest store time (ms since epoch); undefined when empty. */
  oldest?: number;
  newest?: number;
}

/** A set waiting for the next group commit. */
interface PendingSet {
  key: string;
  text: string;
  expires: number | null;
  now: number;
  resolve: (ok: boolean) => void;
  reject: (err: unknown) => void;
}

/** Options the store was opened with (keyv adapters expose them as `opts`). */
export interface SqliteStoreOptions {
  /** The database file. */
  path: string;
  /** Lock wait in ms; see BUSY_TIMEOUT_MS. */
  busyTimeoutMs: number;
}

/** A keyv 5 store adapter: one table `cache(key, value, expires, created)` in one SQLite file. */
export class SqliteStore extends EventEmitter implements KeyvStoreAdapter {
  /** How the store was opened. */
  readonly opts: SqliteStoreOptions;
  /** Set by keyv; keys arrive already prefixed with it, `clear()` uses it to stay in its lane. */
  namespace?: string;
  private readonly db: Database.Database;
  private readonly writeBatch: (batch: PendingSet[]) => void;
  private readonly stmt: {
    get: Database.Statement<[string, number], Row>;
    has: Database.Statement<[string, number], number>;
    set: Database.Statement<[string, string, number | null, number]>;
    delete: Database.Statement<[string]>;
    clearRange: Database.Statement<[string, string]>;
    clearAll: Database.Statement<[]>;
  };

  /** Opens (creating if missing) the database at `file`; throws UsageError when it cannot be used. */
  constructor(file: string, options: { busyTimeoutMs?: number } = {}) {
    super();
    this.opts = { path: file, busyTimeoutMs: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS };
    let db: Database.Database | undefined;
    try {
      // Mode applies only to folders created here: a folder the user chose keeps its permissions.
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // Create the file ourselves so it is never readable by others, not even for an instant.
      closeSync(openSync(file, 'a', 0o600));
      db = new Database(file, { timeout: this.opts.busyTimeoutMs });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
      db.exec(
        'CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER, created INTEGER)',
      );
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
      this.stmt = {
        get: db.prepare('SELECT value FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)'),
        has: db
          .prepare<[string, number], number>('SELECT 1 FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)')
          .pluck(),
        set: db.prepare(
          'INSERT INTO cache (key, value, expires, created) VALUES (?, ?, ?, ?) ' +
            'ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires, created = excluded.created',
        ),
        delete: db.prepare('DELETE FROM cache WHERE key = ?'),
        clearRange: db.prepare('DELETE FROM cache WHERE key >= ? AND key < ?'),
        clearAll: db.prepare('DELETE FROM cache'),
      };
      this.db = db;
      const set = this.stmt.set;
      this.writeBatch = db.transaction((batch: PendingSet[]) => {
        for (const p of batch) set.run(p.key, p.text, p.expires, p.now);
      });
    } catch (err) {
      db?.close();
      throw this.explain(err);
    }
  }

  /** The stored string, or undefined when missing or expired. */
  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const row = this.run(() => this.stmt.get.get(key, Date.now()));
    return row?.value as StoredData<Value> | undefined;
  }

  /**
   * The stored strings for `keys`, in order. One `IN (...)` query per block of keys: SQLite then
   * walks the index in key order, so neighbouring lookups share pages, and the per-statement cost
   * is paid once per block (about 6 µs a key instead of 15 on a 200,000-entry file).
   */
  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const now = Date.now();
    return this.run(() => {
      const found = new Map<string, string>();
      for (let at = 0; at < keys.length; at += MAX_BLOCK) {
        const block = keys.slice(at, at + MAX_BLOCK);
        const size = blockSize(block.length);
        // Padded with repeats of the last key, so one statement per power of two serves every size.
        while (block.length < size) block.push(block[block.length - 1]);
        for (const [key, value] of this.getBlock(size).all(...block, now)) found.set(key, value);
      }
      return keys.map((key) => found.get(key) as StoredData<Value | undefined>);
    });
  }

  private readonly blockStatements = new Map<number, Database.Statement<unknown[], [string, string]>>();

  private getBlock(size: number): Database.Statement<unknown[], [string, string]> {
    let stmt = this.blockStatements.get(size);
    if (stmt === undefined) {
      stmt = this.db
        .prepare<unknown[], [string, string]>(
          `SELECT key, value FROM cache WHERE key IN (${'?,'.repeat(size - 1)}?) AND (expires IS NULL OR expires > ?)`,
        )
        .raw(true) as unknown as Database.Statement<unknown[], [string, string]>;
      this.blockStatements.set(size, stmt);
    }
    return stmt;
  }

  /**
   * Stores `value`; committed by the time the promise resolves. Sets made in the same turn of the
   * event loop share one transaction (group commit): at many rows per second a commit per row
   * costs more than the row, and no caller is told "stored" before its commit. (Waiting a few ms
   * for bigger groups was tried: it left more paid answers uncommitted when a run is killed.)
   */
  set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const now = Date.now();
    const expires = typeof ttl === 'number' && ttl > 0 ? now + ttl : null;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return new Promise((resolve, reject) => {
      this.pending.push({ key, text, expires, now, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.flush);
    });
  }

  private pending: PendingSet[] = [];

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      this.run(() => this.writeBatch(batch));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve(true);
  };

  /** Removes `key`; true when it was there. */
  async delete(key: string): Promise<boolean> {
    return this.run(() => this.stmt.delete.run(key).changes > 0);
  }

  /** Whether an unexpired entry exists. */
  async has(key: string): Promise<boolean> {
    return this.run(() => this.stmt.has.get(key, Date.now()) !== undefined);
  }

  /** Counts the unexpired entries of this namespace, with their earliest and latest store times. */
  stats(now = Date.now()): SqliteStoreStats {
    const [lo, hi] = this.lane();
    const row = this.run(() =>
      this.db
        .prepare<[string, string, number], { n: number; oldest: number | null; newest: number | null }>(
          'SELECT count(*) AS n, min(created) AS oldest, max(created) AS newest FROM cache ' +
            'WHERE key >= ? AND key < ? AND (expires IS NULL OR expires > ?)',
        )
        .get(lo, hi, now),
    );
    return { entries: row?.n ?? 0, oldest: row?.oldest ?? undefined, newest: row?.newest ?? undefined };
  }

  /** Removes this namespace's entries stored before `before` (ms since epoch), and expired ones; returns how many were stored before. */
  prune(before: number, now = Date.now()): number {
    const [lo, hi] = this.lane();
    return this.run(() => {
      const removed = this.db.prepare('DELETE FROM cache WHERE key >= ? AND key < ? AND created < ?').run(lo, hi, before).changes;
      this.db.prepare('DELETE FROM cache WHERE key >= ? AND key < ? AND expires IS NOT NULL AND expires <= ?').run(lo, hi, now);
      return removed;
    });
  }

  /**
   * Gives freed pages back to the file system (deleting rows alone never shrinks the file).
   * Best effort: while another process holds the database it is skipped, and the space is reused later.
   */
  compact(): boolean {
    try {
      this.db.exec('VACUUM');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return true;
    } catch {
      return false;
    }
  }

  /** The key range of this namespace: `[ns:, ns;)`, or everything without one. */
  private lane(): [string, string] {
    const ns = this.namespace;
    // Keys are `${ns}:...`; ';' is the character after ':', so the range is exactly that prefix.
    return ns ? [`${ns}:`, `${ns};`] : ['', '\u{10FFFF}'];
  }

  /** Removes every entry of this namespace (every entry when there is none). */
  async clear(): Promise<void> {
    const ns = this.namespace;
    // Keys are `${ns}:...`; ';' is the character after ':', so the range is exactly that prefix.
    this.run(() => (ns ? this.stmt.clearRange.run(`${ns}:`, `${ns};`) : this.stmt.clearAll.run()));
  }

  /** Commits pending sets, then closes; the last connection to close checkpoints the WAL. Idempotent. */
  async disconnect(): Promise<void> {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
  }

  private run<T>(op: () => T): T {
    try {
      return op();
    } catch (err) {
      throw this.explain(err);
    }
  }

  /** Turns SQLite's terse codes into a message saying what to do. */
  private explain(err: unknown): Error {
    const raw = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    const code = typeof raw === 'string' ? raw : '';
    const file = this.opts.path;
    // better-sqlite3 reports extended codes (SQLITE_CORRUPT_INDEX, SQLITE_IOERR_WRITE, ...): match the family.
    if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
      return new UsageError(`cache file '${file}' is not a valid SQLite database; delete it or use --no-cache`, {
        cause: err,
      });
    }
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new UsageError(
        `cache file '${file}' stayed locked by another process for ${this.opts.busyTimeoutMs} ms; retry or use --no-cache`,
        { cause: err },
      );
    }
    if (/^(SQLITE_(CANTOPEN|READONLY|PERM|IOERR|FULL)|E[A-Z]+$)/.test(code)) {
      return new UsageError(`cannot use cache file '${file}': ${describeError(err)}; check its folder's permissions and free space, or use --no-cache`, {
        cause: err,
      });
    }
    return err instanceof Error ? err : new Error(describeError(err));
  }
}
