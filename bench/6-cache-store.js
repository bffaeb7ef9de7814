#!/usr/bin/env node
/**
 * The cache store on its own, through the project's cache API (dist/cache/response-cache.js), as
 * the engine uses it: 100,000 answers of ~500 B set in waves of 1,000 concurrent sets (one group
 * commit each), then read back after reopening (so the in-memory LRU starts empty). The baseline
 * is better-sqlite3 alone doing the same statements in the same 1,000-row transactions: what
 * keyv, JSON and the LRU add on top. Then the time to open a store that already holds 1,000,000
 * answers (written straight into the same table) and answer one get, against an empty store.
 *   node bench/6-cache-store.js [--entries 100000] [--open-entries 1000000] [--batch 1000]
 * Prints its part of the table on stdout; progress on stderr.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { assertBuilt, ROOT } from './lib/paths.js';
import { formatResults, megabytes, millis, noteRow, perSecond, resultRow } from './lib/result-table.js';
import { withTempDir } from './lib/temp-dir.js';
import { wholeNumber } from './lib/whole-number.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    'open-entries': { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '1000' },
  },
});
const entries = wholeNumber('entries', values.entries);
const openEntries = wholeNumber('open-entries', values['open-entries']);
const batch = wholeNumber('batch', values.batch);
// keyv's namespace prefix and the shape it stores (see dist/cache/open-keyv.js, sqlite-store.js).
const NAMESPACE = 'llm';
// The project's upsert, word for word.
const UPSERT =
  'INSERT INTO cache (key, value, expires, created) VALUES (?, ?, ?, ?) ' +
  'ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires, created = excluded.created';

const TEXT = 'The answer, about five hundred bytes long as a short paragraph of model output would be. '.repeat(6).slice(0, 480);
const OPEN_TEXT = 'A short answer of about fifty bytes, for the open test.';
const count = (n) => n.toLocaleString('en-US');

assertBuilt();
const { openResponseCache, CACHE_FILE } = await import(pathToFileURL(path.join(ROOT, 'dist/cache/response-cache.js')).href);

await withTempDir(async (dir) => {
  process.stderr.write(`cache-store: ${count(entries)} sets and gets through openResponseCache, then better-sqlite3 alone\n`);
  const llmap = await llmapSetGet(path.join(dir, 'llmap'));
  const raw = rawSetGet(path.join(dir, 'raw', CACHE_FILE));
  process.stderr.write(`cache-store: writing ${count(openEntries)} entries straight into a store, then timing its open\n`);
  const emptyOpen = await openTime(path.join(dir, 'empty'), 0);
  const bigOpen = await openTime(path.join(dir, 'big'), openEntries);
  const opsPerSecond = perSecond('ops');
  const table = formatResults(`6. Cache store (${count(entries)} entries of ~500 B through openResponseCache; sets in waves of ${count(batch)}; baseline: better-sqlite3 alone)`, [
    resultRow({ measure: 'set, awaited in waves (group commit) vs raw transactions', llmap: rate(llmap.setMs), baseline: rate(raw.setMs), format: opsPerSecond }),
    resultRow({ measure: 'get, store reopened (LRU empty) vs raw prepared SELECT', llmap: rate(llmap.getMs), baseline: rate(raw.getMs), format: opsPerSecond }),
    noteRow(`file size, ${count(entries)} entries (per entry: ${Math.round(llmap.bytes / entries)} B)`, megabytes(llmap.bytes / 1e6), megabytes(raw.bytes / 1e6)),
    resultRow({ measure: `open + 1 get, ${count(openEntries)}-entry store (${Math.round(bigOpen.bytes / 1e6)} MB) vs empty`, llmap: bigOpen.ms, baseline: emptyOpen.ms, format: millis }),
  ]);
  process.stdout.write(table);
});

function rate(ms) {
  return entries / (ms / 1000);
}

function keyOf(i) {
  return `v1:${createHash('sha256').update(String(i)).digest('hex')}`;
}

function answerOf(i, text = TEXT) {
  return { text: `${i} ${text}`, finishReason: 'stop', usage: { inputTokens: 20, outputTokens: 120 }, storedAt: Date.now() };
}

/** Sets then gets every entry through the project's cache; times in ms and the file's bytes. */
async function llmapSetGet(folder) {
  let cache = await openResponseCache({ dir: folder });
  let started = performance.now();
  for (let i = 0; i < entries; i += batch) {
    const wave = [];
    for (let j = i; j < Math.min(i + batch, entries); j++) wave.push(cache.set(keyOf(j), answerOf(j)));
    await Promise.all(wave);
  }
  const setMs = performance.now() - started;
  await cache.close();
  cache = await openResponseCache({ dir: folder });
  started = performance.now();
  for (let i = 0; i < entries; i += batch) {
    const wave = [];
    for (let j = i; j < Math.min(i + batch, entries); j++) wave.push(cache.get(keyOf(j)));
    for (const [k, got] of (await Promise.all(wave)).entries()) {
      if (got?.text !== answerOf(i + k).text) throw new Error(`entry ${i + k} did not come back from the cache`);
    }
  }
  const getMs = performance.now() - started;
  await cache.close();
  return { setMs, getMs, bytes: fileBytes(path.join(folder, CACHE_FILE)) };
}

/** The same table, pragmas and statements as the project's SQLite store, with nothing on top. */
function openRaw(file) {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER, created INTEGER)');
  return db;
}

/** What the store holds for entry `i`: keyv's `{value}` envelope as JSON. */
function storedOf(i, text) {
  return JSON.stringify({ value: answerOf(i, text) });
}

function rawSetGet(file) {
  let db = openRaw(file);
  const set = db.prepare(UPSERT);
  const setMany = db.transaction((from, to) => {
    const now = Date.now();
    for (let j = from; j < to; j++) set.run(`${NAMESPACE}:${keyOf(j)}`, storedOf(j), null, now);
  });
  let started = performance.now();
  for (let i = 0; i < entries; i += batch) setMany(i, Math.min(i + batch, entries));
  const setMs = performance.now() - started;
  db.close();
  db = openRaw(file);
  const get = db.prepare('SELECT value FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)');
  started = performance.now();
  for (let i = 0; i < entries; i++) {
    if (JSON.parse(get.get(`${NAMESPACE}:${keyOf(i)}`, Date.now()).value).value.text !== answerOf(i).text) throw new Error(`raw entry ${i} is wrong`);
  }
  const getMs = performance.now() - started;
  db.close();
  return { setMs, getMs, bytes: fileBytes(file) };
}

/**
 * Fills a store with `n` entries in one transaction, then times openResponseCache + one get
 * (median of 5). Answers here are short (OPEN_TEXT): opening reads no values, and a million
 * 500 B answers would spend most of the benchmark's time budget writing a gigabyte.
 */
async function openTime(folder, n) {
  const db = openRaw(path.join(folder, CACHE_FILE));
  const set = db.prepare(UPSERT);
  db.transaction(() => {
    const now = Date.now();
    for (let i = 0; i < n; i++) set.run(`${NAMESPACE}:${keyOf(i)}`, storedOf(i, OPEN_TEXT), null, now);
  })();
  db.close();
  const probe = n > 0 ? n - 1 : 0;
  const times = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    const cache = await openResponseCache({ dir: folder });
    const got = await cache.get(keyOf(probe));
    times.push(performance.now() - started);
    await cache.close();
    if (n > 0 && got?.text !== answerOf(probe, OPEN_TEXT).text) throw new Error(`entry ${probe} of the ${n}-entry store did not come back`);
  }
  return { ms: times.sort((a, b) => a - b)[2], bytes: fileBytes(path.join(folder, CACHE_FILE)) };
}

function fileBytes(file) {
  let bytes = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      bytes += statSync(f).size;
    } catch {
      // No WAL file once the last connection has checkpointed it away.
    }
  }
  return bytes;
}
