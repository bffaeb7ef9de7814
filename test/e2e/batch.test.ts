/**
 * `llmap run --mode batch` against the fake server's OpenAI Files + Batches and Anthropic Message
 * Batches endpoints: shuffled results, failed and expired lines, limits that force several batches,
 * every row right and in order, every answer cached, a realtime re-run that sends nothing.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type BatchOptions, type FakeServer } from '../fake-server/server.js';
import { runCli, tempDir } from './cli.js';

let server: FakeServer | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await server?.close();
  cleanup?.();
  server = undefined;
});

async function setUp(batches: BatchOptions, rows: number) {
  server = await startFakeServer({ batches });
  const t = tempDir();
  cleanup = t.cleanup;
  const input = path.join(t.dir, 'in.csv');
  writeFileSync(input, 'id,text\n' + Array.from({ length: rows }, (_, i) => `${i},row ${i}`).join('\n') + '\n');
  return { dir: t.dir, input, out: path.join(t.dir, 'out.csv'), cacheDir: path.join(t.dir, 'cache') };
}

const expected = (rows: number) => 'id,text,response\n' + Array.from({ length: rows }, (_, i) => `${i},row ${i},echo:row ${i}`).join('\n') + '\n';
const env = { LLMAP_BATCH_POLL_MS: '10' };

function cachedCount(cacheDir: string): number {
  const db = new Database(path.join(cacheDir, 'cache.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM cache').pluck().get() as number;
  } finally {
    db.close();
  }
}

describe.each([
  { vendor: 'openai', args: (url: string) => ['--base-url', `${url}/v1`], limit: { maxRequests: 7 } },
  { vendor: 'anthropic', args: (url: string) => ['-p', 'anthropic', '--base-url', url, '--api-key-env', 'KEY'], limit: { anthropicMaxRequests: 7 } },
])('$vendor batch mode', ({ args, limit }) => {
  it('shuffled results, failed and expired lines, a request limit: every row right, in order, cached; a realtime re-run sends nothing', async () => {
    const ROWS = 30;
    const f = await setUp({ shuffleSeed: 7, failShare: 0.3, expireFirst: 1, ...limit }, ROWS);
    const common = [f.input, '-c', 'text', '-m', 'test', ...args(server!.url), '--cache-dir', f.cacheDir, '-o', f.out];
    const reportFile = path.join(f.dir, 'report.json');
    const run = await runCli(['run', ...common, '--mode', 'batch', '--report', reportFile], { env: { ...env, KEY: 'k' } });
    expect(run.stderr).toMatch(/30 rows in .*: 30 sent, 0 cached, 0 skipped, 0 failed/);
    expect(run.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected(ROWS));
    expect(cachedCount(f.cacheDir)).toBe(ROWS);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.run).toMatchObject({ mode: 'batch', batchesStillRunning: '' });
    expect(report.run.batches.split(' ').sort()).toEqual(server!.batches.batches.map((b) => b.id).sort());
    expect(report.run.batchWaitMs).toBeGreaterThan(0);
    expect(report.rows).toMatchObject({ total: ROWS, sent: ROWS, failed: 0 });

    // Several batches: the limit refused the first as too large, and it was halved until it fit.
    const prompts = server!.batches.submitted;
    expect(server!.batches.created).toBeGreaterThan(4);
    const once = new Set(prompts);
    expect([...once].sort()).toEqual(Array.from({ length: ROWS }, (_, i) => `row ${i}`).sort());
    // Failed and expired lines came back in new batches: more submissions than rows, each prompt at most thrice.
    expect(prompts.length).toBeGreaterThan(ROWS);
    // The report counts every request of a batch that ran, resubmissions included.
    expect(report.requests).toBe(prompts.length);
    expect(run.stderr).toContain('resubmitting');
    expect(run.stderr).toContain('too large; sending it as two');

    server!.reset();
    const rerun = await runCli(['run', ...common, '-q'], { env: { KEY: 'k' } });
    expect(rerun.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected(ROWS));
    expect(server!.requests).toHaveLength(0);
  });
});

describe('batch mode for embed and --dry-run', () => {
  it('llmap embed --mode batch writes the vectors a realtime run writes, and caches them under the same keys', async () => {
    const ROWS = 9;
    const f = await setUp({ shuffleSeed: 3, failShare: 0.3 }, ROWS);
    const common = [f.input, '-c', 'text', '-m', 'emb', '--base-url', `${server!.url}/v1`, '-q'];
    const batch = await runCli(['embed', ...common, '--cache-dir', f.cacheDir, '-o', f.out, '--mode', 'batch'], { env });
    expect(batch.code).toBe(0);
    const lines = server!.batches.submitted;
    expect(new Set(lines).size).toBe(ROWS);
    const created = server!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches');
    expect(created[0].body).toMatchObject({ endpoint: '/v1/embeddings', completion_window: '24h' });

    const realtimeOut = path.join(path.dirname(f.out), 'realtime.csv');
    const realtime = await runCli(['embed', ...common, '--cache-dir', path.join(path.dirname(f.out), 'other-cache'), '-o', realtimeOut], { env });
    expect(realtime.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(readFileSync(realtimeOut, 'utf8'));

    server!.reset();
    const rerun = await runCli(['embed', ...common, '--cache-dir', f.cacheDir, '-o', f.out], { env });
    expect(rerun.code).toBe(0);
    expect(server!.requests).toHaveLength(0);
  });

  it('--dry-run --mode batch counts the batches and prices them at the batch discount', async () => {
    const f = await setUp({}, 3);
    const run = await runCli(['run', f.input, '-c', 'text', '-m', 'gpt-4o-mini', '--cache-dir', f.cacheDir, '--max-tokens', '100', '--mode', 'batch', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  batches           1 (OpenAI: at most 50,000 requests and 200 MB each)\n');
    expect(run.stdout).toContain('(at $0.075 in / $0.30 out per million tokens, from the built-in table (as of 2025-11-01), batch discount 50%)');
  });
});

describe('--batch-fallback realtime', () => {
  it('sends the requests that failed or expired in their batch as realtime calls instead of a new batch', async () => {
    const ROWS = 20;
    const f = await setUp({ failShare: 0.3, expireFirst: 1, expiredShare: 0.25 }, ROWS);
    const run = await runCli(
      ['run', f.input, '-c', 'text', '-m', 'test', '--base-url', `${server!.url}/v1`, '--cache-dir', f.cacheDir, '-o', f.out, '--mode', 'batch', '--batch-fallback', 'realtime'],
      { env },
    );
    expect(run.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected(ROWS));
    expect(server!.batches.created).toBe(1);
    const [batch] = server!.batches.batches;
    expect(batch.status).toBe('expired');
    const realtime = server!.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body.messages[0].content);
    // The last quarter expired unanswered, and a share of the rest failed: exactly those went realtime.
    expect(realtime.length).toBe(batch.request_counts.failed);
    expect(realtime.length).toBeGreaterThan(5);
    expect(run.stderr).toContain(`llmap: sending the ${realtime.length} requests that failed in their batch as realtime calls (--batch-fallback realtime)`);
    expect(cachedCount(f.cacheDir)).toBe(ROWS);
  });

  it('is only for batch mode', async () => {
    const f = await setUp({}, 1);
    const run = await runCli(['run', f.input, '-c', 'text', '-m', 'test', '--base-url', `${server!.url}/v1`, '--batch-fallback', 'realtime']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('llmap: --batch-fallback is for --mode batch\n');
  });
});

describe('batch mode limits and refusals', () => {
  it('an oversized file is split until each upload fits (OpenAI "File is too large.")', async () => {
    const ROWS = 20;
    const f = await setUp({ maxFileBytes: 1500 }, ROWS);
    const run = await runCli(['run', f.input, '-c', 'text', '-m', 'test', '--base-url', `${server!.url}/v1`, '--cache-dir', f.cacheDir, '-o', f.out, '--mode', 'batch'], { env });
    expect(run.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected(ROWS));
    const refused = server!.requests.filter((r) => r.path === '/v1/files' && r.outcome === 'client_error');
    expect(refused.length).toBeGreaterThan(0);
    expect(server!.batches.submitted.sort()).toEqual(Array.from({ length: ROWS }, (_, i) => `row ${i}`).sort());
  });

  it("OpenAI's enqueued limit: a refused batch waits for the running ones, one alone over it is halved; each row once", async () => {
    const ROWS = 12;
    const f = await setUp({ maxEnqueued: 5, completeAfterMs: 50 }, ROWS);
    const run = await runCli(['run', f.input, '-c', 'text', '-m', 'test', '--base-url', `${server!.url}/v1`, '--cache-dir', f.cacheDir, '-o', f.out, '--mode', 'batch'], { env });
    expect(run.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected(ROWS));
    expect(run.stderr).toContain('llmap: OpenAI has no room in its queue for a batch of 12 requests; sending it as two');
    expect(run.stderr).toMatch(/llmap: OpenAI's queue is full; the \d requests of batch batch_\w+ go again once the batches running end/);
    expect(server!.batches.submitted.sort()).toEqual(Array.from({ length: ROWS }, (_, i) => `row ${i}`).sort());
    expect(server!.batches.batches.filter((b) => b.status === 'completed').every((b) => b.request_counts.total <= 5)).toBe(true);
  });

  it('a preset without a batch endpoint is refused before anything is sent', async () => {
    const f = await setUp({}, 2);
    const run = await runCli(['run', f.input, '-c', 'text', '-m', 'llama', '-p', 'groq', '--mode', 'batch', '--cache-dir', f.cacheDir], { env: { GROQ_API_KEY: 'k' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "llmap: --mode batch: provider 'groq' has no batch endpoint llmap can use; batch mode works with openai and anthropic (or a --base-url server speaking OpenAI's Files and Batches API); use --mode realtime\n",
    );
  });

  it('batch mode needs the cache', async () => {
    const f = await setUp({}, 2);
    const run = await runCli(['run', f.input, '-c', 'text', '-m', 'test', '--base-url', `${server!.url}/v1`, '--mode', 'batch', '--no-cache']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('llmap: --mode batch stores every answer in the cache and keeps track of its batches beside it; drop --no-cache\n');
    expect(server!.requests).toHaveLength(0);
  });
});

describe('batch mode memory', () => {
  it('streams: each batch is submitted as soon as it is full, not after the whole input; stdin is read twice through a temp copy that is removed', async () => {
    const ROWS = 30;
    const f = await setUp({}, ROWS);
    const tmp = path.join(f.dir, 'tmp');
    mkdirSync(tmp);
    const args = ['-', '-c', 'text', '-m', 'test', '--base-url', `${server!.url}/v1`, '--cache-dir', f.cacheDir, '-o', f.out];
    const input = readFileSync(f.input);
    const run = await runCli(['run', ...args, '--mode', 'batch'], {
      stdin: input,
      env: { ...env, TMPDIR: tmp, LLMAP_BATCH_MAX_REQUESTS: '7', LLMAP_BATCH_DEBUG: '1' },
    });
    expect(run.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected(ROWS));
    // A batch of 7 goes when the 8th row is read; only the last waits for the end of the input.
    const readWhenSubmitted = [...run.stderr.matchAll(/llmap: debug: batch \w+ submitted after (\d+) input rows read/g)].map((m) => Number(m[1]));
    expect(readWhenSubmitted).toEqual([8, 15, 22, 29, 30]);
    expect(server!.batches.batches.map((b) => b.request_counts.total)).toEqual([7, 7, 7, 7, 2]);
    expect(run.stderr).toMatch(/30 rows in .*: 30 sent, 0 cached, 0 skipped, 0 failed/);
    // The copy of stdin and the spooled requests are gone.
    expect(readdirSync(tmp)).toEqual([]);

    server!.reset();
    const rerun = await runCli(['run', ...args, '-q'], { stdin: input });
    expect(rerun.code).toBe(0);
    expect(readFileSync(f.out, 'utf8')).toBe(expected(ROWS));
    expect(server!.requests).toHaveLength(0);
  });
});
