/**
 * Fills a cache folder with the answers `llmap run -c text -p echo` would store for the rows of
 * generate-rows.js, straight into SQLite in one transaction: seconds instead of the minutes a
 * first llmap run takes on a million rows. Uses the project's own key function and the table of
 * dist/cache/sqlite-store.js; callers must still check that llmap finds the entries (the cached
 * count in its run report), since a change to the key's inputs would make them unreachable.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { rowText } from './generate-rows.js';
import { ROOT } from './paths.js';

/** keyv's namespace prefix on every key (dist/cache/open-keyv.js). */
const NAMESPACE = 'llm';

/** Writes the echo answers of rows 0..rows-1 into `<cacheDir>/cache.sqlite`. */
export async function fillEchoCache(cacheDir, rows) {
  const dist = (file) => import(pathToFileURL(path.join(ROOT, 'dist/cache', file)).href);
  const [{ cacheKey }, { CACHE_FILE }] = await Promise.all([dist('key.js'), dist('response-cache.js')]);
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(cacheDir, CACHE_FILE));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER, created INTEGER)');
    const insert = db.prepare('INSERT OR REPLACE INTO cache (key, value, expires, created) VALUES (?, ?, NULL, ?)');
    db.transaction(() => {
      const now = Date.now();
      for (let i = 0; i < rows; i++) {
        const prompt = rowText(i);
        // The echo provider's model id is 'echo' and -c sets no generation parameters.
        const key = cacheKey({ provider: 'echo', model: 'echo', params: {}, prompt });
        const tokens = Math.ceil(prompt.length / 4);
        const value = { text: prompt, finishReason: 'stop', usage: { inputTokens: tokens, outputTokens: tokens }, storedAt: now };
        insert.run(`${NAMESPACE}:${key}`, JSON.stringify({ value }), now);
      }
    })();
  } finally {
    db.close();
  }
}
