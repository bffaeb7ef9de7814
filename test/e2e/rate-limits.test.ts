import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Behavior } from '../fake-server/server.js';
import { runCli } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

/**
 * A server-side limit as OpenAI enforces it: a continuous bucket of `perSecond` requests (full at
 * start, holding one second's worth); every answer states the limit in x-ratelimit-* headers, and
 * a request over it gets 429 with retry-after.
 */
function enforceRequestsPerSecond(perSecond: number): Behavior & { refused: number } {
  let level = perSecond;
  let at = Date.now();
  const behavior = (() => {
    const now = Date.now();
    level = Math.min(perSecond, level + ((now - at) * perSecond) / 1000);
    at = now;
    const admitted = level >= 1;
    if (admitted) level -= 1;
    const headers = {
      'x-ratelimit-limit-requests': String(perSecond * 60),
      'x-ratelimit-remaining-requests': String(Math.floor(level)),
      'x-ratelimit-reset-requests': `${Math.ceil(((perSecond - level) * 1000) / perSecond)}ms`,
    };
    if (admitted) return { headers, delayMs: 20 };
    behavior.refused++;
    const waitMs = Math.ceil(((1 - level) * 1000) / perSecond);
    return { status: 429, message: 'Rate limit reached for requests', retryAfter: Math.ceil(waitMs / 1000), retryAfterMs: waitMs, headers };
  }) as Behavior & { refused: number };
  behavior.refused = 0;
  return behavior;
}

useServerAndTempDir();

function args(input: string, ...more: string[]) {
  return ['run', input, '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache', '-q', ...more];
}

describe('rate limits', () => {
  it('paces to the limit the server states with no flags: every row answered, few 429s', async () => {
    const rows = 60;
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, `q\n${Array.from({ length: rows }, (_, i) => `question ${i}`).join('\n')}\n`);
    const limit = enforceRequestsPerSecond(10);
    server.setBehavior(limit);
    const report = path.join(dir, 'report.json');
    const res = await runCli(args(input, '-c', 'q', '--report', report));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`q,response\n${Array.from({ length: rows }, (_, i) => `question ${i},echo:question ${i}`).join('\n')}\n`);
    expect(limit.refused).toBeLessThan(rows * 0.1);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.rateLimited).toBe(limit.refused);
    expect(r.requests).toBe(rows + limit.refused);
    expect(r.run).toMatchObject({ concurrency: 64, rpm: null, tpm: null });
    expect(r.concurrency.min).toBeGreaterThanOrEqual(1);
    expect(r.concurrency.max).toBeLessThanOrEqual(64);
  });

  it('names the flag when --rpm or --tpm is not a whole number >= 1', async () => {
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'q\nhi\n');
    const rpm = await runCli(args(input, '-c', 'q', '--rpm', 'x'));
    expect(rpm.code).toBe(1);
    expect(rpm.stderr).toBe("llmap: expected --rpm to be a whole number >= 1, got 'x'\n");
    const tpm = await runCli(args(input, '-c', 'q', '--tpm', '0'));
    expect(tpm.stderr).toBe("llmap: expected --tpm to be a whole number >= 1, got '0'\n");
    expect(server.requests).toHaveLength(0);
  });

  it('sends every row under --rpm and --tpm and records the limits in the report', async () => {
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'q\na\nb\nc\n');
    const report = path.join(dir, 'report.json');
    const res = await runCli(args(input, '-c', 'q', '--rpm', '600', '--tpm', '100000', '--report', report));
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('q,response\na,echo:a\nb,echo:b\nc,echo:c\n');
    expect(JSON.parse(readFileSync(report, 'utf8')).run).toMatchObject({ rpm: 600, tpm: 100_000 });
  });
});
