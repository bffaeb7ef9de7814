import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createRateLimiter, goDuration, rfc3339Seconds, startFakeServer, type FakeServer } from './server.js';

let server: FakeServer | undefined;
/** CLI servers started by a test, stopped even when it fails early. */
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server?.close();
});

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2024-05-01T12:00:00.000Z')) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

const chat = (content = 'x') => ({ model: 'm', messages: [{ role: 'user', content }] });

async function call(path: string, body: unknown = chat()) {
  const res = await fetch(`${server!.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await res.json()) as any;
  const h = (name: string) => res.headers.get(name);
  return { status: res.status, json, h };
}

const openaiRequests = (r: { h: (n: string) => string | null }) => [
  r.h('x-ratelimit-limit-requests'),
  r.h('x-ratelimit-remaining-requests'),
  r.h('x-ratelimit-reset-requests'),
];

describe('the enforced rate limit (OpenAI route)', () => {
  test('a full bucket of burst requests, then 429 with retry-after; one more per refill interval', async () => {
    const clock = manualClock();
    server = await startFakeServer({ rateLimit: { rpm: 600 }, now: clock.now });
    const seen = [];
    for (let i = 0; i < 11; i++) {
      const r = await call('/v1/chat/completions');
      seen.push([r.status, ...openaiRequests(r), r.h('retry-after'), r.h('retry-after-ms')]);
    }
    // Default burst: one second's worth, 10 requests; refill one per 100 ms.
    expect(seen).toEqual([
      [200, '600', '9', '100ms', null, null],
      [200, '600', '8', '200ms', null, null],
      [200, '600', '7', '300ms', null, null],
      [200, '600', '6', '400ms', null, null],
      [200, '600', '5', '500ms', null, null],
      [200, '600', '4', '600ms', null, null],
      [200, '600', '3', '700ms', null, null],
      [200, '600', '2', '800ms', null, null],
      [200, '600', '1', '900ms', null, null],
      [200, '600', '0', '1s', null, null],
      [429, '600', '0', '1s', '1', '100'],
    ]);
    const limited = await call('/v1/chat/completions');
    expect(limited.json).toEqual({
      error: { message: 'Rate limit reached for requests. Please try again later.', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });

    clock.t += 40;
    expect((await call('/v1/chat/completions')).h('retry-after-ms')).toBe('60');
    clock.t += 60;
    const after = await call('/v1/chat/completions');
    expect([after.status, ...openaiRequests(after)]).toEqual([200, '600', '0', '1s']);
    clock.t += 1000;
    const full = await fetch(`${server.url}/v1/models`);
    expect([full.status, full.headers.get('x-ratelimit-remaining-requests'), full.headers.get('x-ratelimit-reset-requests')]).toEqual([
      200,
      '10',
      '0s',
    ]);
    expect(server.stats).toMatchObject({ requests: 15, ok: 12, rateLimited: 3 });
    expect(server.requests.map((r) => r.outcome).filter((o) => o === 'rate_limited')).toHaveLength(3);
  });

  test('the bucket admits the burst plus rpm per minute, whatever the client tries', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ rpm: 600 }, clock.now);
    let ok = 0;
    // A client trying every 10 ms for a minute: 6,000 attempts.
    for (let i = 0; i < 6000; i++, clock.t += 10) if (limiter.admit(() => 1, 'openai').ok) ok++;
    expect(ok).toBe(10 + 599);

    const slow = createRateLimiter({ rpm: 60, burst: 1 }, clock.now);
    let admitted = 0;
    for (let i = 0; i < 120; i++, clock.t += 500) if (slow.admit(() => 1, 'openai').ok) admitted++;
    expect(admitted).toBe(60);
  });

  test('tpm: a request spends its prompt plus answer words; the tokens headers say so', async () => {
    const clock = manualClock();
    server = await startFakeServer({ rateLimit: { rpm: 6000, tpm: 600 }, now: clock.now });
    // 'a b c' answers 'echo:a b c': 3 + 3 = 6 tokens of a 10-token bucket.
    const first = await call('/v1/chat/completions', chat('a b c'));
    expect([first.status, first.h('x-ratelimit-limit-tokens'), first.h('x-ratelimit-remaining-tokens'), first.h('x-ratelimit-reset-tokens')]).toEqual([
      200,
      '600',
      '4',
      '600ms',
    ]);
    expect(first.json.usage.total_tokens).toBe(6);
    const second = await call('/v1/chat/completions', chat('a b c'));
    expect([second.status, second.h('retry-after'), second.h('retry-after-ms'), second.h('x-ratelimit-remaining-requests')]).toEqual([
      429,
      '1',
      '200',
      '99',
    ]);
    clock.t += 200;
    expect((await call('/v1/chat/completions', chat('a b c'))).status).toBe(200);
  });
});

describe('the enforced rate limit (Anthropic route)', () => {
  test('anthropic-ratelimit-* headers with RFC 3339 resets; 429 in the Anthropic error shape', async () => {
    const clock = manualClock(Date.parse('2024-05-01T12:00:00.000Z'));
    server = await startFakeServer({ rateLimit: { rpm: 60, tpm: 600, burst: 2 }, now: clock.now });
    const headers = (r: { h: (n: string) => string | null }) =>
      [
        'anthropic-ratelimit-requests-limit',
        'anthropic-ratelimit-requests-remaining',
        'anthropic-ratelimit-requests-reset',
        'anthropic-ratelimit-tokens-limit',
        'anthropic-ratelimit-tokens-remaining',
        'anthropic-ratelimit-tokens-reset',
      ].map(r.h);
    const body = { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
    const a = await call('/v1/messages', body);
    expect([a.status, ...headers(a)]).toEqual([200, '60', '1', '2024-05-01T12:00:01Z', '600', '8', '2024-05-01T12:00:01Z']);
    expect(a.h('x-ratelimit-limit-requests')).toBeNull();
    clock.t += 300;
    // 'hi' answers 'echo:hi': 2 tokens, refilled within the 300 ms.
    const b = await call('/v1/messages', body);
    expect([b.status, ...headers(b)]).toEqual([200, '60', '0', '2024-05-01T12:00:02Z', '600', '8', '2024-05-01T12:00:01Z']);
    const c = await call('/v1/messages', body);
    expect([c.status, c.h('retry-after'), c.h('retry-after-ms')]).toEqual([429, '1', '700']);
    expect(c.json).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your per-minute rate limit' } });
  });
});

test('goDuration and rfc3339Seconds write the vendors formats', () => {
  expect([0, 1, 250, 999.6, 1000, 1500, 1234, 59_999.6, 90_500, 360_000, 3_723_000].map(goDuration)).toEqual([
    '0s',
    '1ms',
    '250ms',
    '1s',
    '1s',
    '1.5s',
    '1.234s',
    '1m0s',
    '1m30.5s',
    '6m0s',
    '1h2m3s',
  ]);
  expect(rfc3339Seconds(Date.parse('2024-05-01T12:00:00.000Z'))).toBe('2024-05-01T12:00:00Z');
  expect(rfc3339Seconds(Date.parse('2024-05-01T12:00:00.001Z'))).toBe('2024-05-01T12:00:01Z');
});

test('bad limits are refused with a message naming the field', async () => {
  await expect(startFakeServer({ rateLimit: { rpm: 0 } })).rejects.toThrow('expected rateLimit.rpm to be a number > 0, got 0');
  await expect(startFakeServer({ rateLimit: { rpm: 60, burst: -1 } })).rejects.toThrow('expected rateLimit.burst to be a number > 0, got -1');
});

describe('the CLI rate-limit flags', () => {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));

  test('--rpm --burst --stats-file: 429s past the burst, counts in the file and on stderr at SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-server-'));
    const statsFile = join(dir, 'stats.json');
    // One request a minute refills nothing during the test, so the third request is always refused.
    const child = spawn(process.execPath, [cli, '--rpm', '1', '--burst', '2', '--stats-file', statsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const closed = new Promise((resolve) => child.on('close', resolve));
    const first = (await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value as string;
    const url = first.replace('listening on ', '');
    expect(JSON.parse(readFileSync(statsFile, 'utf8'))).toMatchObject({ requests: 0, ok: 0, rateLimited: 0 });

    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat()) });
      await res.arrayBuffer();
      statuses.push([res.status, res.headers.get('x-ratelimit-limit-requests'), res.headers.get('x-ratelimit-remaining-requests')]);
    }
    expect(statuses).toEqual([
      [200, '1', '1'],
      [200, '1', '0'],
      [429, '1', '0'],
    ]);
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    const line = '{"requests":3,"ok":2,"rateLimited":1,"serverErrors":0,"clientErrors":0,"resets":0,"hangs":0,"malformed":0,"empty":0}';
    expect(readFileSync(statsFile, 'utf8')).toBe(line + '\n');
    expect(stderr).toBe(`fake server stats: ${line}\n`);
  });

  test('--tpm without --rpm exits 2 with one line', async () => {
    const child = spawn(process.execPath, [cli, '--tpm', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(2);
    expect(stderr).toBe('--tpm needs --rpm N\n');
  });
});
