// `llmap run --queue` with `llmap worker` processes on a real redis-server: the output of a
// single-process run, every prompt paid once, one rate budget for all workers, a worker killed
// mid-chunk, a coordinator stopped and run again. Each test has a Redis database of its own (10+),
// apart from the cache tests' database 0.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32At, startFakeServer, type FakeServer, type RecordedRequest } from '../fake-server/server.js';
import { testRedis } from '../cache/helpers/redis-server.js';
import { BIN, baseEnv, runCli, tempDir } from './cli.js';
import { dumpDb, freshDb, startWorker, until, type WorkerProcess } from './queue-helpers.js';

const redis = await testRedis();
if (!redis.url) console.warn(`skipping the --queue tests: ${redis.reason}`);
afterAll(() => redis.stop());

const KEY = 'sk-queue-test-9f8e7d6c5b4a';
const keyEnv = { LLMAP_TEST_KEY: KEY };

let dir: string;
let cleanup: () => void;
let servers: FakeServer[] = [];
let workers: WorkerProcess[] = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});

afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(servers.map((s) => s.close()));
  workers = [];
  servers = [];
  cleanup();
});

async function server(options: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> {
  const s = await startFakeServer(options);
  servers.push(s);
  return s;
}

async function startWorkers(n: number, url: string, ...more: string[]): Promise<WorkerProcess[]> {
  const started = await Promise.all(Array.from({ length: n }, () => startWorker(url, keyEnv, ...more)));
  workers.push(...started);
  return started;
}

function inputOf(rows: number): string {
  const file = path.join(dir, 'in.csv');
  writeFileSync(file, `q\n${Array.from({ length: rows }, (_, i) => `question ${i}`).join('\n')}\n`);
  return file;
}

function expected(rows: number): string {
  return `q,response\n${Array.from({ length: rows }, (_, i) => `question ${i},echo:question ${i}`).join('\n')}\n`;
}

function runArgs(input: string, s: FakeServer, url: string, out: string, ...more: string[]): string[] {
  return ['run', input, '-c', 'q', '-m', 'test', '--base-url', `${s.url}/v1`, '--api-key-env', 'LLMAP_TEST_KEY', '--queue', url, '-o', out, ...more];
}

const promptOf = (r: RecordedRequest): string => r.body.messages.at(-1).content;

/** How many times each prompt was answered (not refused) by the server. */
function answeredPrompts(requests: RecordedRequest[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of requests) if (r.outcome === 'ok') seen.set(promptOf(r), (seen.get(promptOf(r)) ?? 0) + 1);
  return seen;
}

function expectEachPromptOnce(requests: RecordedRequest[], rows: number): void {
  const seen = answeredPrompts(requests);
  expect(seen.size).toBe(rows);
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
}

describe.skipIf(!redis.url)('llmap run --queue with llmap worker processes', { timeout: 90_000 }, () => {
  it('3 workers under one rate limit: the bytes of a single-process run, every prompt paid once, the limit used and kept, no key in Redis', async () => {
    const rows = 300;
    const rpm = 1800;
    const url = await freshDb(redis.url!, 10);
    const limited = await server({ rateLimit: { rpm }, latencyMs: 50, apiKey: KEY });
    const input = inputOf(rows);
    await startWorkers(3, url);
    const out = path.join(dir, 'out.csv');
    const report = path.join(dir, 'report.json');
    const res = await runCli(runArgs(input, limited, url, out, '--chunk-size', '25', '--report', report, '-q'));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);

    const single = await server({ apiKey: KEY });
    const alone = path.join(dir, 'single.csv');
    const ref = await runCli(['run', input, '-c', 'q', '-m', 'test', '--base-url', `${single.url}/v1`, '--api-key-env', 'LLMAP_TEST_KEY', '--no-cache', '-o', alone, '-q'], { env: keyEnv });
    expect(ref.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(alone, 'utf8'));
    expect(readFileSync(out, 'utf8')).toBe(expected(rows));

    expectEachPromptOnce(limited.requests, rows);
    const refused = limited.stats.rateLimited;
    expect(refused).toBeLessThanOrEqual(rows * 0.02);
    // The bucket starts full (one second's worth); after that the server admits at most rpm/60 a second.
    const ok = limited.requests.filter((r) => r.outcome === 'ok');
    const spanMs = ok.at(-1)!.time - ok[0].time;
    const used = (ok.length - rpm / 60) / ((rpm / 60_000) * spanMs);
    expect(used).toBeGreaterThanOrEqual(0.9);

    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.rows).toMatchObject({ total: rows, sent: rows, failed: 0 });
    expect(r.rateLimited).toBe(refused);
    // Every worker took chunks, and the key each read from its own environment never went through Redis.
    for (const w of workers) expect(w.stderr()).toMatch(/rows \d+ to \d+: \d+ sent/);
    const stored = await dumpDb(url);
    expect(stored).toContain('LLMAP_TEST_KEY');
    expect(stored).not.toContain(KEY);
  });

  it('a worker killed (kill -9) mid-chunk at a seeded moment: the run completes, correct, paying at most its calls in flight again', async () => {
    const rows = 400;
    const concurrency = 8;
    const seed = 14;
    const killAt = 60 + Math.floor(mulberry32At(seed, 1) * 200);
    const victim = Math.floor(mulberry32At(seed, 2) * 3);
    const url = await freshDb(redis.url!, 11);
    let received = 0;
    let killed: WorkerProcess | undefined;
    const s = await server({
      latencyMs: 100,
      apiKey: KEY,
      onRequest: () => {
        if (++received === killAt) {
          killed = workers[victim];
          killed.child.kill('SIGKILL');
        }
      },
    });
    const input = inputOf(rows);
    await startWorkers(3, url, '--stall-timeout', '2s');
    const out = path.join(dir, 'out.csv');
    const res = await runCli(runArgs(input, s, url, out, '--chunk-size', '25', '-j', String(concurrency), '-q'));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(killed?.child.signalCode).toBe('SIGKILL');
    expect(readFileSync(out, 'utf8')).toBe(expected(rows));
    expect(answeredPrompts(s.requests).size).toBe(rows);
    expect(s.requests.length).toBeLessThanOrEqual(rows + concurrency);
  });

  it('Ctrl-C on the coordinator, then the same command again: it completes, sending only what was missing', async () => {
    const rows = 300;
    const url = await freshDb(redis.url!, 12);
    const s = await server({ latencyMs: 100, apiKey: KEY });
    const input = inputOf(rows);
    await startWorkers(2, url);
    const out = path.join(dir, 'out.csv');
    const args = runArgs(input, s, url, out, '--chunk-size', '25', '-j', '4');
    const first = spawn(process.execPath, [BIN, ...args], { env: baseEnv() });
    let stderr = '';
    first.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exit = new Promise<number | null>((resolve) => first.on('close', resolve));
    await until(() => s.requests.length >= 60);
    first.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toContain('SIGINT: starting no new calls');
    expect(existsSync(out)).toBe(false);
    const partial = readFileSync(`${out}.partial`, 'utf8');
    expect(expected(rows).startsWith(partial)).toBe(true);
    const sentBefore = s.requests.length;
    expect(sentBefore).toBeLessThan(rows);

    const again = await runCli([...args, '--report', path.join(dir, 'report.json'), '-q']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(expected(rows));
    expectEachPromptOnce(s.requests, rows);
    expect(s.requests).toHaveLength(rows);
    const r = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(r.rows.cached).toBeGreaterThanOrEqual(partial.split('\n').length - 2);
    expect(r.rows.cached + r.rows.sent).toBe(rows);
  });

  it('a worker without the key in its environment says which variable to set and stops taking chunks; nothing is sent', async () => {
    const url = await freshDb(redis.url!, 13);
    const s = await server({ apiKey: KEY });
    const input = inputOf(3);
    const [keyless] = await Promise.all([startWorker(url, {})]);
    workers.push(keyless);
    const out = path.join(dir, 'out.csv');
    const coordinator = spawn(process.execPath, [BIN, ...runArgs(input, s, url, out, '-q')], { env: baseEnv() });
    const exit = new Promise<number | null>((resolve) => coordinator.on('close', resolve));
    expect(await keyless.exit).toBe(1);
    expect(keyless.stderr()).toContain(
      "llmap worker: missing API key: set LLMAP_TEST_KEY in the environment of this worker (the run's key is read from it)\n",
    );
    coordinator.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(s.requests).toHaveLength(0);
    // The stopped coordinator took its chunk back: no worker started later picks it up.
    expect(await dumpDb(url)).not.toMatch(/^bull:llmap-chunks:c0-/m);
  });

  it('a profile naming several keys: chunks take them in turn on every worker, each prompt paid once, no key in Redis', async () => {
    const rows = 120;
    const url = await freshDb(redis.url!, 14);
    const s = await server({ latencyMs: 20 });
    const input = inputOf(rows);
    const keys = { KEY_A: 'sk-a-0a0a0a0a', KEY_B: 'sk-b-1b1b1b1b', KEY_C: 'sk-c-2c2c2c2c' };
    const config = path.join(dir, 'profiles.json');
    writeFileSync(config, JSON.stringify({ profiles: { many: { model: 'test', baseURL: `${s.url}/v1`, apiKeyEnv: Object.keys(keys) } } }));
    workers.push(...(await Promise.all([startWorker(url, keys), startWorker(url, keys)])));
    const out = path.join(dir, 'out.csv');
    const res = await runCli(['run', input, '-c', 'q', '--config', config, '--profile', 'many', '--queue', url, '--chunk-size', '10', '-o', out, '-q']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(expected(rows));
    expectEachPromptOnce(s.requests, rows);
    const used = new Map<string, number>();
    for (const r of s.requests) used.set(String(r.headers.authorization), (used.get(String(r.headers.authorization)) ?? 0) + 1);
    // 12 chunks, three keys in turn: four chunks each.
    expect(Object.fromEntries(used)).toEqual({ 'Bearer sk-a-0a0a0a0a': 40, 'Bearer sk-b-1b1b1b1b': 40, 'Bearer sk-c-2c2c2c2c': 40 });
    const stored = await dumpDb(url);
    for (const key of Object.values(keys)) expect(stored).not.toContain(key);

    // Without --queue a list of keys is refused, naming what to do.
    const single = await runCli(['run', input, '-c', 'q', '--config', config, '--profile', 'many', '-o', out, '-q'], { env: keys });
    expect(single.code).toBe(1);
    expect(single.stderr).toBe(
      'llmap: the profile names several keys in "apiKeyEnv": they are spread over the workers of llmap run --queue; here name one with --api-key-env\n',
    );
  });

  it('a chunk every worker fails (a refused key) fails the run with one line naming its rows and why', async () => {
    const url = await freshDb(redis.url!, 9);
    const s = await server({ apiKey: KEY });
    const input = inputOf(3);
    workers.push(...(await Promise.all([1, 2, 3].map(() => startWorker(url, { LLMAP_TEST_KEY: 'sk-wrong' })))));
    const out = path.join(dir, 'out.csv');
    const res = await runCli(runArgs(input, s, url, out, '-q'));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^llmap: the chunk of rows 1 to 3 failed on the workers: authentication failed \(401\) at .*: check the API key in \$LLMAP_TEST_KEY\n$/);
    expect(existsSync(out)).toBe(false);
    // Each worker tried it once and stopped taking chunks.
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([1, 1, 1]);
    expect(s.requests.length).toBeLessThanOrEqual(3 * 3);
  });
});
