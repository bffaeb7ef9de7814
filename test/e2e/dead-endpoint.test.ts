/**
 * A run that can never succeed stops at once: a --base-url where nothing listens, or a path that
 * answers 404 to every call, stops a 10,000-row run within seconds, naming the URL, with the
 * report written. Once calls have succeeded, a later outage is retried like any failure.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

const ROWS = 10_000;

function bigInput(): string {
  const input = path.join(dir, 'in.csv');
  writeFileSync(input, 'text\n' + Array.from({ length: ROWS }, (_, i) => `row ${i}\n`).join(''));
  return input;
}

/** A port nothing listens on: bound, then closed again. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function run(input: string, baseUrl: string) {
  return runCli(['run', input, '-c', 'text', '-m', 'test', '--base-url', baseUrl, '--no-cache', '-o', path.join(dir, 'out.csv'), '--report', path.join(dir, 'r.json')]);
}

describe('a dead endpoint', () => {
  it('connection refused on every call stops a 10,000-row run at once: exit 1, one line naming the URL, the report written', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    const started = Date.now();
    const res = await run(bigInput(), url);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `llmap: stopped after 4 attempts, none succeeded: network error talking to ${url}: connection refused (is the server running and the --base-url right?)\n`,
    );
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(report.exitCode).toBe(1);
    expect(report.requests).toBeLessThan(20);
  });

  it('404 on every call stops a 10,000-row run at once, after fewer than 20 requests', async () => {
    server.setBehavior(() => ({ status: 404, message: 'Invalid URL (POST /v1/v1/chat/completions)' }));
    const url = `${server.url}/v1/v1`;
    const started = Date.now();
    const res = await run(bigInput(), url);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `llmap: stopped after 4 attempts, none succeeded: request rejected (404) by ${url}: Invalid URL (POST /v1/v1/chat/completions)\n`,
    );
    expect(server.requests.length).toBeLessThan(20);
    expect(JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')).exitCode).toBe(1);
  });

  it('once calls have succeeded, 404s fail only their rows (--verbose names each), and the run goes on', async () => {
    const input = path.join(dir, 'small.csv');
    writeFileSync(input, 'text\n' + Array.from({ length: 20 }, (_, i) => `row ${i}\n`).join(''));
    server.setBehavior((_req, n) => (n >= 3 && n <= 8 ? { status: 404, message: 'gone for a moment' } : undefined));
    const res = await runCli(['run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache', '-j', '1', '--verbose', '-q']);
    expect(res.code).toBe(2);
    expect(res.stderr.split('\n').filter((l) => /^llmap: row \d+: failed .*404.*gone for a moment/.test(l))).toHaveLength(6);
    expect(res.stdout.split('\n').filter((l) => l.includes('echo:'))).toHaveLength(14);
    expect(server.requests).toHaveLength(20);
  });
});
