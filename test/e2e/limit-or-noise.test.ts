/**
 * Tell a limit from noise, against both kinds of server: sporadic 429s and 500s among successes
 * cost only their own rows a backoff (the concurrency is never cut); a limit the server enforces
 * without stating it (429 + Retry-After only) is learned from the refusals and paced to.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { runCli, tempDir } from './cli.js';

let server: FakeServer | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await server?.close();
  cleanup?.();
});

function setUp(rows: number) {
  const t = tempDir();
  cleanup = t.cleanup;
  const input = path.join(t.dir, 'in.csv');
  writeFileSync(input, 'text\n' + Array.from({ length: rows }, (_, i) => `row ${i}\n`).join(''));
  const expected = 'text,response\n' + Array.from({ length: rows }, (_, i) => `row ${i},echo:row ${i}\n`).join('');
  return { input, out: path.join(t.dir, 'out.csv'), report: path.join(t.dir, 'r.json'), expected };
}

it('sporadic 429s (retry-after 1 s) and 500s among successes: every row right, the concurrency never cut', async () => {
  server = await startFakeServer({ latencyMs: 5, faults: { seed: 3, rateLimit: 0.03, server: 0.02, retryAfter: 1 } });
  const { input, out, report, expected } = setUp(600);
  const res = await runCli(['run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache', '-j', '16', '-q', '-o', out, '--report', report]);
  expect(res.code).toBe(0);
  expect(readFileSync(out, 'utf8')).toBe(expected);
  const r = JSON.parse(readFileSync(report, 'utf8'));
  expect(server.stats.rateLimited).toBeGreaterThan(5);
  expect(r.concurrency).toEqual({ min: 16, max: 16, final: 16 });
});

it('a limit stated nowhere (at most 20 calls in any second, 429 + Retry-After): every row right, paced to it', async () => {
  server = await startFakeServer({ latencyMs: 5, slidingWindow: { limit: 20, windowMs: 1000 } });
  const { input, out, report, expected } = setUp(120);
  const res = await runCli(['run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache', '-j', '32', '-q', '-o', out, '--report', report]);
  expect(res.code).toBe(0);
  expect(readFileSync(out, 'utf8')).toBe(expected);
  // The first 32 calls go out together (nothing says there is a limit) and 12 are refused; from
  // then on the pace keeps under it, so refusals stay far below one per row.
  expect(server.stats.rateLimited).toBeGreaterThanOrEqual(10);
  expect(server.stats.rateLimited).toBeLessThan(60);
});
