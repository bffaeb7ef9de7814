// Several processes on one cache file, and processes killed mid-write: the cases a single-process
// test cannot show.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openResponseCache } from '../../src/cache/response-cache.js';
import { spawnHelper } from './helpers/spawn.js';

let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmap-mp-'));
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts a writer that sets entries until killed, kills it with SIGKILL after `killAfter` reported commits. */
function writeUntilKilled(dir: string, prefix: string, killAfter: number): Promise<{ committed: number[]; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnHelper('cache-writer.mjs', [dir, prefix, '0']);
    const committed: number[] = [];
    let pending = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^set (\d+) committed$/.exec(line);
        if (m) committed.push(Number(m[1]));
      }
      if (committed.length >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ committed, signal, stderr }));
  });
}

// Each child loads the TypeScript compiler to import our sources: allow for slow starts on a busy machine.
const CHILD_TIMEOUT = { timeout: 60_000 };

describe('cache shared by processes', () => {
  it('two processes writing one file at once both succeed and both see all entries', CHILD_TIMEOUT, async () => {
    const count = 1000;
    const writers = ['a', 'b'].map((prefix) => {
      const child = spawnHelper('cache-writer.mjs', [tmp, prefix, String(count), 'gate']);
      let stdout = '';
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const ready = new Promise<void>((resolve) => {
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
          if (stdout.startsWith('ready\n')) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { child, ready, exited, out: () => ({ stdout, stderr }) };
    });
    // Both open the same file, then start writing together so their transactions contend for the lock.
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.child.stdin.end('go\n');
    for (const w of writers) {
      const code = await w.exited;
      expect(w.out().stderr).toBe('');
      expect(code).toBe(0);
      expect(w.out().stdout.endsWith(`set ${count - 1} committed\ndone\n`)).toBe(true);
    }
    const cache = await openResponseCache({ dir: tmp });
    for (const prefix of ['a', 'b']) {
      for (let i = 0; i < count; i++) {
        expect((await cache.get(`${prefix}${i}`))?.text.startsWith(`answer ${prefix}${i} `)).toBe(true);
      }
    }
    await cache.close();
  });

  // Run three times, killing at different points of the write loop.
  for (const killAfter of [1, 150, 1200]) {
    it(`survives kill -9 after ${killAfter} commits: every reported commit is there`, CHILD_TIMEOUT, async () => {
      const { committed, signal, stderr } = await writeUntilKilled(tmp, 'k', killAfter);
      expect(stderr).toBe('');
      expect(signal).toBe('SIGKILL');
      expect(committed.length).toBeGreaterThanOrEqual(killAfter);

      const file = path.join(tmp, 'cache.sqlite');
      const db = new Database(file);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();

      const cache = await openResponseCache({ dir: tmp });
      for (const i of committed) {
        const got = await cache.get(`k${i}`);
        expect(got?.text.startsWith(`answer k${i} `), `entry k${i} reported committed but missing`).toBe(true);
        expect(got?.usage).toEqual({ inputTokens: i, outputTokens: 1 });
      }
      await cache.close();
    });
  }
});
