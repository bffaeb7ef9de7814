/**
 * Batch mode survives its process: kill -9 at seeded moments (before a batch is created, just after,
 * while polling, while downloading results), then the same command again completes the output, and
 * the server saw every row submitted exactly once. Ctrl-C while waiting leaves the batches running,
 * `llmap batch status` lists them and the same command again collects them.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type BatchOptions, type FakeServer, type RecordedRequest } from '../fake-server/server.js';
import { BIN, baseEnv, runCli, tempDir } from './cli.js';

const ROWS = 12;
const env = { LLMAP_BATCH_POLL_MS: '20', KEY: 'k' };
let server: FakeServer | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await server?.close();
  cleanup?.();
  server = undefined;
});

/** Park-Miller: the kill points are the same on every run of the test. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}
const random = seeded(20261128);

const vendors = {
  openai: {
    args: (url: string) => ['--base-url', `${url}/v1`],
    create: (r: RecordedRequest) => r.method === 'POST' && r.path === '/v1/batches',
    poll: (r: RecordedRequest) => r.method === 'GET' && /^\/v1\/batches\/[^/]+$/.test(r.path),
    download: (r: RecordedRequest) => r.method === 'GET' && /^\/v1\/files\/[^/]+\/content$/.test(r.path),
    limit: { maxRequests: 5 },
  },
  anthropic: {
    args: (url: string) => ['-p', 'anthropic', '--base-url', url, '--api-key-env', 'KEY'],
    create: (r: RecordedRequest) => r.method === 'POST' && r.path === '/v1/messages/batches',
    poll: (r: RecordedRequest) => r.method === 'GET' && /^\/v1\/messages\/batches\/[^/]+$/.test(r.path),
    download: (r: RecordedRequest) => r.method === 'GET' && r.path.endsWith('/results'),
    limit: { anthropicMaxRequests: 5 },
  },
} as const;

type Vendor = keyof typeof vendors;

async function setUp(vendor: Vendor, batches: BatchOptions) {
  server = await startFakeServer({ batches: { ...vendors[vendor].limit, ...batches } });
  const t = tempDir();
  cleanup = t.cleanup;
  const input = path.join(t.dir, 'in.csv');
  writeFileSync(input, 'id,text\n' + Array.from({ length: ROWS }, (_, i) => `${i},row ${i}`).join('\n') + '\n');
  const out = path.join(t.dir, 'out.csv');
  const cacheDir = path.join(t.dir, 'cache');
  const endpoint = ['-m', 'test', ...vendors[vendor].args(server.url), '--cache-dir', cacheDir];
  return { out, cacheDir, endpoint, args: ['run', input, '-c', 'text', ...endpoint, '-o', out, '--mode', 'batch'] };
}

/** The run in a child process; after a Ctrl-C it waits --grace (300 ms here) for a second one that would cancel its batches. */
function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args, '--grace', '300ms'], { env: baseEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exit, stderr: () => stderr };
}

const expected = 'id,text,response\n' + Array.from({ length: ROWS }, (_, i) => `${i},row ${i},echo:row ${i}`).join('\n') + '\n';
const everyRowOnce = Array.from({ length: ROWS }, (_, i) => `row ${i}`).sort();

const moments = [
  // The create never reaches the server: the record holds an intent (and, for OpenAI, the uploaded file).
  { moment: 'before create', match: 'create', hang: true },
  // The batch exists on the server but its id never reached the record: found by label / time and size.
  { moment: 'after create', match: 'create', hang: false },
  { moment: 'while polling', match: 'poll', hang: false },
  { moment: 'while downloading', match: 'download', hang: true },
] as const;

describe.each(Object.keys(vendors) as Vendor[])('%s: kill -9, then the same command again', (vendor) => {
  it.each(moments)('$moment', async ({ match, hang }) => {
    const f = await setUp(vendor, { completeAfterMs: 100 });
    // Twelve rows under a limit of five: the first batches are refused and halved into four of three,
    // so each moment happens several times; the seed picks which one the kill lands on.
    const nth = 1 + Math.floor(random() * 3);
    const run = start(f.args);
    let seen = 0;
    let creates = 0;
    server!.setBehavior((req) => {
      if (!vendors[vendor][match](req)) return undefined;
      // Only creates of batches that will run count: OpenAI refuses the first three (12, 6 and 6
      // requests) when it validates them, Anthropic refuses those over five requests at once.
      if (match === 'create' && (vendor === 'openai' ? ++creates <= 3 : req.body.requests.length > 5)) return undefined;
      if (++seen !== nth) return undefined;
      run.child.kill('SIGKILL');
      return hang ? { hang: true } : undefined;
    });
    const killed = await run.exit;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(f.out)).toBe(false);

    server!.setBehavior(undefined);
    const again = await runCli(f.args, { env });
    expect(again.stderr).toMatch(/12 rows in .*: 12 sent, 0 cached, 0 skipped, 0 failed|12 rows in .*: \d+ sent, \d+ cached, 0 skipped, 0 failed/);
    expect(again.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected);
    expect(server!.batches.submitted.sort()).toEqual(everyRowOnce);
  });
});

/**
 * A run stopped by Ctrl-C once its batch is being polled: the batch keeps running (until the Ctrl-C
 * has landed, however slow the machine); `finish` makes it done at the server's next look.
 */
async function interrupted(vendor: Vendor) {
  let completeAfterMs = 3_600_000;
  const f = await setUp(vendor, { completeAfterMs: () => completeAfterMs, maxRequests: 50_000, anthropicMaxRequests: 100_000 });
  const run = start(f.args);
  while (!server!.requests.some((r) => vendors[vendor].poll(r))) await new Promise((r) => setTimeout(r, 5));
  run.child.kill('SIGINT');
  expect((await run.exit).code).toBe(130);
  return { f, run, finish: () => (completeAfterMs = 0) };
}

describe.each(Object.keys(vendors) as Vendor[])('%s: Ctrl-C while waiting', (vendor) => {
  it('exits 130, leaves the batches running, batch status lists them, the same command again collects them', async () => {
    const { f, run, finish } = await interrupted(vendor);
    const [batch] = server!.batches.batches;
    expect(server!.batches.created).toBe(1);
    expect(run.stderr()).toContain(
      `llmap: 1 batch is still running on the server (${batch.id}); run the same command again to collect the answers (llmap batch status lists them, llmap batch cancel cancels them)`,
    );
    expect(run.stderr()).toContain('llmap: press Ctrl-C again within 300ms to cancel them instead\n');
    expect(existsSync(f.out)).toBe(false);

    const status = await runCli(['batch', 'status', ...f.endpoint], { env });
    finish();
    expect(status.code).toBe(0);
    const line = status.stdout.split('\n')[1];
    expect(line).toMatch(new RegExp(`^${batch.id}\\s+${vendor}\\s+test\\s+12\\s+submitted\\s+in_progress\\s`));

    const again = await runCli(f.args, { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('found 1 batch in flight from an earlier run; collecting');
    expect(readFileSync(f.out, 'utf8')).toBe(expected);
    expect(server!.batches.created).toBe(1);
    expect(server!.batches.submitted.sort()).toEqual(everyRowOnce);

    const list = await runCli(['batch', 'list', '--cache-dir', f.cacheDir], { env });
    expect(list.stdout).toBe('no batches\n');
  });
});

describe('a recorded batch the server does not have', () => {
  it('is retired and its rows submitted again (a deleted batch never blocks its rows)', async () => {
    let completeAfterMs = 60_000;
    const f = await setUp('openai', { completeAfterMs: () => completeAfterMs, maxRequests: 50_000 });
    const run = start(f.args);
    while (!server!.requests.some((r) => vendors.openai.poll(r))) await new Promise((r) => setTimeout(r, 5));
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(130);
    const [gone] = server!.batches.batches;
    server!.reset(); // the server forgets every batch and file
    completeAfterMs = 0;

    const again = await runCli(f.args, { env });
    expect(again.stderr).toContain(`llmap: OpenAI has no batch ${gone.id} (404); submitting its 12 requests of this input again`);
    expect(readFileSync(f.out, 'utf8')).toBe(expected);
    expect(again.code).toBe(0);
    expect(server!.batches.submitted.sort()).toEqual(everyRowOnce);
  });
});

describe('llmap batch resume and cancel', () => {

  it('resume collects the answers into the cache without the input; the run then pays nothing', async () => {
    const { f, finish } = await interrupted('anthropic');
    finish();
    const resume = await runCli(['batch', 'resume', ...f.endpoint], { env });
    expect(resume.stdout).toBe(`12 answers stored in the cache, 0 failed, from 1 batch after ${resume.stdout.match(/after (\S+)\n/)![1]}\n`);
    expect(resume.code).toBe(0);
    server!.reset();
    const again = await runCli(f.args, { env });
    expect(again.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected);
    expect(server!.requests).toHaveLength(0);
  });

  it('cancel asks the server to cancel; the next run collects the cancelled batch and submits its rows again', async () => {
    const { f, finish } = await interrupted('openai');
    const cancel = await runCli(['batch', 'cancel', ...f.endpoint], { env });
    finish(); // the batch the next run makes ends at once
    const [batch] = server!.batches.batches;
    expect(cancel.stdout).toBe(`${batch.id}: cancelling\n`);
    expect(cancel.code).toBe(0);

    const again = await runCli(f.args, { env });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`llmap: batch ${batch.id}: 12 failed or expired requests, resubmitting`);
    expect(readFileSync(f.out, 'utf8')).toBe(expected);
    expect(batch.status).toBe('cancelled');
    expect(server!.batches.created).toBe(2);
  });
});

describe('a profile with "mode": "batch"', () => {
  it('runs in batch mode without the flag, and costs half the profile\'s price', async () => {
    const f = await setUp('openai', { maxRequests: 50_000 });
    const config = path.join(path.dirname(f.out), 'llmap.json');
    writeFileSync(config, JSON.stringify({ profiles: { overnight: { mode: 'batch', price: { input: 1, output: 2 } } } }));
    const reportFile = path.join(path.dirname(f.out), 'report.json');
    const run = await runCli([...f.args.filter((a) => a !== '--mode' && a !== 'batch'), '--config', config, '--profile', 'overnight', '--report', reportFile], { env });
    expect(run.code).toBe(0);
    // 12 rows of 2 input and 2 output tokens (the fake counts words): 24 × $1 + 24 × $2 per million, halved.
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.cost).toBe(0.000036);
    expect(report.price).toEqual({ input: 0.5, output: 1, source: 'profile, batch discount 50%' });
    expect(run.stderr).toContain('  price $0.50 in / $1.00 out per million tokens, from the profile, batch discount 50%');
    expect(readFileSync(f.out, 'utf8')).toBe(expected);
    expect(server!.batches.created).toBe(1);
    expect(server!.requests.some((r) => r.path === '/v1/chat/completions')).toBe(false);
  });
});

describe('a second Ctrl-C', () => {
  it('cancels the batches left running; exit 130', async () => {
    const f = await setUp('anthropic', { completeAfterMs: 3_600_000, anthropicMaxRequests: 100_000 });
    const child = spawn(process.execPath, [BIN, ...f.args, '--grace', '30s'], { env: baseEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (!server!.requests.some((r) => vendors.anthropic.poll(r))) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    while (!stderr.includes('press Ctrl-C again')) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    const [batch] = server!.batches.batches;
    expect(batch.processing_status).toBe('canceling');
    expect(stderr).toContain(`llmap: press Ctrl-C again within 30s to cancel them instead\nllmap: SIGINT again: aborting the calls in flight\nllmap: batch ${batch.id}: canceling\n`);
  });
});

describe('a batch never created, holding rows of another input too', () => {
  it('is retired; each input submits its own rows, each once', async () => {
    const f = await setUp('openai', { maxRequests: 50_000 });
    const run = start(f.args);
    server!.setBehavior((req) => {
      if (!vendors.openai.create(req)) return undefined;
      run.child.kill('SIGKILL');
      return { hang: true };
    });
    expect((await run.exit).signal).toBe('SIGKILL');
    server!.setBehavior(undefined);

    // Another input with the first half of the rows, same endpoint and cache.
    const half = path.join(path.dirname(f.out), 'half.csv');
    writeFileSync(half, 'id,text\n' + Array.from({ length: 6 }, (_, i) => `${i},row ${i}`).join('\n') + '\n');
    const halfOut = path.join(path.dirname(f.out), 'half.out.csv');
    const first = await runCli(['run', half, '-c', 'text', ...f.endpoint, '-o', halfOut, '--mode', 'batch'], { env });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/llmap: batch llmap-\S+ was never created; submitting its 6 requests of this input anew/);
    expect(readFileSync(halfOut, 'utf8')).toBe(expected.split('\n').slice(0, 7).join('\n') + '\n');

    const all = await runCli(f.args, { env });
    expect(all.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected);
    expect(server!.batches.submitted.sort()).toEqual(everyRowOnce);
  });
});
