import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../../src/cache/sqlite-store.js';
import { UsageError } from '../../src/errors.js';

let tmp: string;
const open: Array<{ disconnect(): Promise<void> }> = [];

function store(file = path.join(tmp, 'cache.sqlite')): SqliteStore {
  const s = new SqliteStore(file);
  open.push(s);
  return s;
}

function keyv(s: SqliteStore, namespace = 'llm'): Keyv {
  return new Keyv({ store: s, namespace, serialize: JSON.stringify, deserialize: JSON.parse, throwOnErrors: true });
}

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmap-store-'));
});

afterEach(async () => {
  vi.useRealTimers();
  for (const s of open.splice(0)) await s.disconnect();
  rmSync(tmp, { recursive: true, force: true });
});

describe('SqliteStore through keyv', () => {
  it('round-trips values, has, getMany and delete', async () => {
    const kv = keyv(store());
    expect(await kv.set('a', { text: 'one', n: 1 })).toBe(true);
    await kv.set('b', [1, 'two', null]);
    expect(await kv.get('a')).toEqual({ text: 'one', n: 1 });
    expect(await kv.get(['a', 'b', 'missing'])).toEqual([{ text: 'one', n: 1 }, [1, 'two', null], undefined]);
    expect(await kv.has('a')).toBe(true);
    expect(await kv.has('missing')).toBe(false);
    expect(await kv.delete('a')).toBe(true);
    expect(await kv.delete('a')).toBe(false);
    expect(await kv.get('a')).toBeUndefined();
  });

  it('getMany answers every key in order over blocks of any size, repeats and expired entries included', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const s = store();
    const kv = keyv(s);
    for (let i = 0; i < 1200; i += 2) await kv.set(`k${i}`, i);
    await kv.set('brief', 'gone', 10);
    vi.setSystemTime(1_000_020);
    // 1,203 keys: three blocks (512, 512, 179 padded to 256); odd ones were never stored.
    const keys = [...Array.from({ length: 1200 }, (_, i) => `llm:k${i}`), 'llm:k4', 'llm:brief', 'llm:k4'];
    const values = await s.getMany<string>(keys);
    expect(values).toHaveLength(keys.length);
    expect(values.slice(0, 1200).map((v) => (v === undefined ? undefined : JSON.parse(v as string).value))).toEqual(
      Array.from({ length: 1200 }, (_, i) => (i % 2 === 0 ? i : undefined)),
    );
    expect(values.slice(1200).map((v) => (v === undefined ? undefined : JSON.parse(v as string).value))).toEqual([4, undefined, 4]);
  });

  it('overwrites an existing key', async () => {
    const kv = keyv(store());
    await kv.set('a', 'first');
    await kv.set('a', 'second');
    expect(await kv.get('a')).toBe('second');
  });

  it('keeps values across close and reopen', async () => {
    const first = store();
    await keyv(first).set('k', { text: 'kept' });
    await first.disconnect();
    expect(await keyv(store()).get('k')).toEqual({ text: 'kept' });
  });

  it('stores keys under the keyv namespace and clear() removes only that namespace', async () => {
    const file = path.join(tmp, 'cache.sqlite');
    const llm = keyv(store(file), 'llm');
    const other = keyv(store(file), 'other');
    await llm.set('k', 1);
    await other.set('k', 2);
    const rows = new Database(file, { readonly: true });
    const keys = rows.prepare('SELECT key FROM cache ORDER BY key').pluck().all();
    rows.close();
    expect(keys).toEqual(['llm:k', 'other:k']);
    await llm.clear();
    expect(await llm.get('k')).toBeUndefined();
    expect(await other.get('k')).toBe(2);
  });

  it('round-trips unicode, including astral, combining, NUL and lone surrogate characters', async () => {
    const text = 'naïve café — 日本語 👩🏽‍💻 e\u0301 \u0000 end \ud800 ünïcödé';
    const first = store();
    await keyv(first).set('u', { text });
    await first.disconnect();
    expect(await keyv(store()).get('u')).toEqual({ text });
  });

  it('honours a TTL: the entry is served until it expires, then missed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const s = store();
    const kv = keyv(s);
    await kv.set('t', 'short-lived', 1000);
    await s.set('raw', '"raw"', 1000); // the store's own expires column, without keyv's check
    vi.setSystemTime(1_000_999);
    expect(await kv.get('t')).toBe('short-lived');
    expect(await s.get('raw')).toBe('"raw"');
    vi.setSystemTime(1_001_001);
    expect(await kv.get('t')).toBeUndefined();
    expect(await s.get('raw')).toBeUndefined();
    expect(await s.has('raw')).toBe(false);
  });

  it('records created and expires columns', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5_000);
    const file = path.join(tmp, 'cache.sqlite');
    const s = store(file);
    await s.set('forever', '1');
    await s.set('brief', '2', 250);
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT key, value, expires, created FROM cache ORDER BY key').all();
    db.close();
    expect(rows).toEqual([
      { key: 'brief', value: '2', expires: 5_250, created: 5_000 },
      { key: 'forever', value: '1', expires: null, created: 5_000 },
    ]);
  });

  it('disconnect is safe to call twice', async () => {
    const s = store();
    await s.disconnect();
    await s.disconnect();
  });
});

describe('SqliteStore file', () => {
  it('creates missing folders 0700 and the database, -wal and -shm files 0600', async () => {
    const dir = path.join(tmp, 'a', 'b');
    const file = path.join(dir, 'cache.sqlite');
    const s = store(file);
    await s.set('k', 'v');
    expect(statSync(path.join(tmp, 'a')).mode & 0o777).toBe(0o700);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('tightens an existing database file to 0600', async () => {
    const file = path.join(tmp, 'cache.sqlite');
    await store(file).disconnect();
    chmodSync(file, 0o644);
    store(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('runs in WAL mode with a busy timeout', () => {
    const file = path.join(tmp, 'cache.sqlite');
    store(file);
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(store(file).opts.busyTimeoutMs).toBe(10_000);
  });

  it('names the file and the fix when the file is not a SQLite database', () => {
    const file = path.join(tmp, 'cache.sqlite');
    writeFileSync(file, 'id,review\n1,this is a CSV file, not a database\n'.repeat(20));
    let caught: unknown;
    try {
      store(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(
      `cache file '${file}' is not a valid SQLite database; delete it or use --no-cache`,
    );
    // The user's file is left as it was.
    expect(readFileSync(file, 'utf8')).toContain('this is a CSV file');
  });

  it('names the file and the fix when its folder cannot be created', () => {
    const notDir = path.join(tmp, 'plain-file');
    writeFileSync(notDir, '');
    const file = path.join(notDir, 'sub', 'cache.sqlite');
    expect(() => store(file)).toThrow(
      `cannot use cache file '${file}': ENOTDIR: not a directory, mkdir '${path.join(notDir, 'sub')}'; ` +
        "check its folder's permissions and free space, or use --no-cache",
    );
  });
});

describe('group commit', () => {
  it('commits sets made in one turn together, each visible to a new connection once its promise resolves', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmap-gc-'));
    try {
      const file = path.join(dir, 'c.sqlite');
      const store = new SqliteStore(file);
      const other = new Database(file, { readonly: true });
      const count = () => (other.prepare('SELECT count(*) AS n FROM cache').get() as { n: number }).n;
      const sets = Array.from({ length: 500 }, (_, i) => store.set(`k${i}`, `v${i}`));
      expect(count()).toBe(0); // nothing acknowledged, nothing committed yet
      await Promise.all(sets);
      expect(count()).toBe(500);
      const last = store.set('late', 'x');
      await store.disconnect(); // flushes what is pending before closing
      await last;
      expect(count()).toBe(501);
      other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteStore management', () => {
  it('stats and prune see only their namespace and unexpired entries', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const file = path.join(tmp, 'cache.sqlite');
    const llm = store(file);
    const other = store(file);
    const kvLlm = keyv(llm, 'llm');
    const kvOther = keyv(other, 'other');
    vi.setSystemTime(1_000);
    await kvLlm.set('old', 1);
    await kvOther.set('old', 1);
    vi.setSystemTime(2_000);
    await kvLlm.set('expiring', 2, 500);
    vi.setSystemTime(3_000);
    await kvLlm.set('new', 3);
    expect(llm.stats()).toEqual({ entries: 2, oldest: 1_000, newest: 3_000 }); // 'expiring' ended at 2,500
    expect(llm.stats(2_100)).toEqual({ entries: 3, oldest: 1_000, newest: 3_000 });
    expect(llm.prune(2_000)).toBe(1); // 'old'; the expired entry goes too, uncounted
    expect(llm.stats(0)).toEqual({ entries: 1, oldest: 3_000, newest: 3_000 });
    expect(await kvOther.get('old')).toBe(1);
    expect(llm.compact()).toBe(true);
  });
});
