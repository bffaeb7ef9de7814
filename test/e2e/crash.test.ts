/**
 * Crash safety: `kill -9` in the middle of runs never corrupts the cache, never leaves a file at
 * the output path, and loses at most the calls in flight; a final run sends exactly what is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { BIN, baseEnv, tempDir } from './cli.js';

const ROWS = 400;
const CONCURRENCY = 8;
const KILLS = 10;

let server: FakeServer;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  // A few ms per answer keeps CONCURRENCY calls in flight whenever the kill lands.
  server = await startFakeServer({ latencyMs: 10 });
  ({ dir, cleanup } = tempDir());
});
afterAll(async () => {
  await server.close();
  cleanup();
});

/** Park-Miller: the kill points are the same on every run of the test. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

/** The cache file opens, passes SQLite's integrity check, and holds this many answers. */
function checkCache(file: string): number {
  const db = new Database(file);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return db.prepare('SELECT count(*) FROM cache').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Waits until the server has seen no new request for a while: calls a killed client sent land first. */
async function quiet(): Promise<void> {
  for (let seen = -1; seen !== server.requests.length; ) {
    seen = server.requests.length;
    await sleep(50);
  }
}

it('survives kill -9 mid-run ten times, then finishes with every row, sending only what was missing', async () => {
  const input = path.join(dir, 'in.csv');
  const output = path.join(dir, 'out.csv');
  const cacheDir = path.join(dir, 'cache');
  const cacheFile = path.join(cacheDir, 'cache.sqlite');
  writeFileSync(input, 'id,text\n' + Array.from({ length: ROWS }, (_, i) => `${i},row ${i}`).join('\n') + '\n');
  const args = ['run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '-j', String(CONCURRENCY), '--cache-dir', cacheDir, '-o', output, '-q'];
  const random = seeded(20240611);
  const cachedAfterKill: number[] = [];
  let sentBeforeFinal = 0;

  for (let k = 0; k < KILLS; k++) {
    const child = spawn(process.execPath, [BIN, ...args], { env: baseEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    // The kill lands as the run's n-th call arrives (n random), so calls are in flight and some
    // answers are being committed; counting calls rather than ms keeps that true on a slow machine.
    // With this seed the ten kill points add up to fewer than ROWS calls, so no run can finish.
    const killAt = 1 + Math.floor(random() * 50);
    server.setBehavior((_req, n) => {
      if (n === killAt) child.kill('SIGKILL');
      return undefined;
    });
    const { code, signal } = await exited;
    await quiet();
    sentBeforeFinal += server.requests.length;
    server.reset();
    expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
    expect(existsSync(output)).toBe(false);
    cachedAfterKill.push(checkCache(cacheFile));
  }

  // Each run kept what it had finished: the cache only grows, and the runs got somewhere.
  expect(cachedAfterKill).toEqual([...cachedAfterKill].sort((a, b) => a - b));
  const cachedBeforeFinal = cachedAfterKill[KILLS - 1];
  expect(cachedBeforeFinal).toBeGreaterThan(0);
  expect(cachedBeforeFinal).toBeLessThan(ROWS);
  // A killed run cannot remove its temp file; no killed run left a file at the output path.
  expect(readdirSync(dir).filter((f) => f.endsWith('.llmap-tmp')).length).toBeGreaterThan(0);

  const child = spawn(process.execPath, [BIN, ...args], { env: baseEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

  expect(readFileSync(output, 'utf8')).toBe(
    'id,text,response\n' + Array.from({ length: ROWS }, (_, i) => `${i},row ${i},echo:row ${i}`).join('\n') + '\n',
  );
  // The temp files the killed runs left behind were cleaned up by the final run.
  expect(readdirSync(dir).sort()).toEqual(['cache', 'in.csv', 'out.csv']);
  expect(checkCache(cacheFile)).toBe(ROWS);

  const finalSent = server.requests.map((r) => r.body.messages[0].content as string);
  expect(finalSent).toHaveLength(ROWS - cachedBeforeFinal);
  expect(new Set(finalSent).size).toBe(finalSent.length);
  // Lost work is bounded by the calls in flight at each kill.
  expect(sentBeforeFinal + finalSent.length).toBeLessThanOrEqual(ROWS + KILLS * CONCURRENCY);
}, 60_000);
