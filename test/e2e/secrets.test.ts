/**
 * The API key never reaches anything llmap writes: not stdout, stderr (even with --verbose, even when
 * the server echoes the key back in a 401 or an error body), the report, the output table, or any
 * file of the cache. And the cache is private: folder 0700, files 0600.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { BIN, baseEnv, runCli, tempDir, type CliResult } from './cli.js';

const KEY = `sk-test-LEAKCHECK-${randomBytes(12).toString('hex')}`;

/** Accepts only KEY. */
let server: FakeServer;
/** Accepts another key, and (harsher than real servers) echoes the key it got in its 401 body. */
let strict: FakeServer;
let dir: string;
let cleanup: () => void;
const outputs: Array<{ what: string; text: string }> = [];

beforeAll(async () => {
  server = await startFakeServer({ apiKey: KEY });
  strict = await startFakeServer({ apiKey: 'sk-the-right-one' });
  ({ dir, cleanup } = tempDir());
  writeFileSync(path.join(dir, 'in.csv'), 'id,q\n1,alpha\n2,beta\n3,gamma\n');
});
afterAll(async () => {
  await server.close();
  await strict.close();
  cleanup();
});

/** Runs llmap in the temp folder and keeps its stdout and stderr for the final scan. */
async function run(name: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  const res = await runCli(['run', 'in.csv', '-c', 'q', '-m', 'test', '--cache-dir', 'cache', ...args], { cwd: dir, env });
  outputs.push({ what: `${name} stdout`, text: res.stdout }, { what: `${name} stderr`, text: res.stderr });
  return res;
}

const authHeaders = (s: FakeServer) => s.requests.map((r) => r.headers.authorization ?? r.headers['x-api-key']);

describe('the API key stays secret', () => {
  it('a successful run with --api-key-env, --verbose, --report and --metadata', async () => {
    server.reset();
    const res = await run('ok', ['--base-url', `${server.url}/v1`, '--api-key-env', 'MY_LLM_KEY', '--verbose', '--metadata', '--report', 'ok.json', '-o', 'ok.csv'], {
      MY_LLM_KEY: KEY,
    });
    expect(res.code).toBe(0);
    expect(authHeaders(server)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(JSON.parse(readFileSync(path.join(dir, 'ok.json'), 'utf8'))).toBeTypeOf('object');
  });

  it('OPENAI_API_KEY is sent to a custom --base-url only when named with --api-key-env', async () => {
    server.reset();
    const unnamed = await run('unnamed', ['--base-url', `${server.url}/v1`, '--no-cache', '--verbose', '-o', 'unnamed.csv'], { OPENAI_API_KEY: KEY });
    expect(unnamed.code).toBe(1);
    expect(authHeaders(server).filter((h) => String(h).includes(KEY))).toEqual([]);

    server.reset();
    const named = await run('named', ['--base-url', `${server.url}/v1`, '--api-key-env', 'OPENAI_API_KEY', '--no-cache', '--report', 'named.json', '-o', 'named.csv'], {
      OPENAI_API_KEY: KEY,
    });
    expect(named.code).toBe(0);
    expect(authHeaders(server)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`]);
  });

  it('a 401 whose body echoes the key, with --verbose (OpenAI and Anthropic)', async () => {
    strict.reset();
    const openai = await run('401-openai', ['--base-url', `${strict.url}/v1`, '--api-key-env', 'OPENAI_API_KEY', '--verbose', '--report', '401.json', '-o', '401.csv'], {
      OPENAI_API_KEY: KEY,
    });
    expect(openai.code).toBe(1);
    expect(openai.stderr).toMatch(/^llmap: authentication failed \(401\)/);
    const anthropic = await run('401-anthropic', ['-p', 'anthropic', '--base-url', strict.url, '--api-key-env', 'ANTHROPIC_API_KEY', '--verbose', '-o', '401a.csv'], {
      ANTHROPIC_API_KEY: KEY,
    });
    expect(anthropic.code).toBe(1);
    expect(anthropic.stderr).toMatch(/^llmap: authentication failed \(401\)/);
    // The server did get the key and did put it in its answers: what llmap shows is filtered.
    const sent = authHeaders(strict);
    expect(sent.filter((h) => h === `Bearer ${KEY}`).length + sent.filter((h) => h === KEY).length).toBe(sent.length);
    expect(new Set(sent)).toEqual(new Set([`Bearer ${KEY}`, KEY]));
  });

  it('retries and failed rows whose server messages quote the key, with --verbose, --metadata and --report', async () => {
    server.reset();
    const echoed = `upstream rejected Authorization: Bearer ${KEY}`;
    server.setBehavior((req, n) => {
      if (n <= 2) return { status: 500, message: echoed };
      if (req.body.messages[0].content === 'gamma') return { status: 400, message: echoed };
      return undefined;
    });
    const res = await run('retries', ['--base-url', `${server.url}/v1`, '--api-key-env', 'MY_LLM_KEY', '-j', '1', '--no-cache', '--verbose', '--metadata', '--report', 'retries.json', '-o', 'retries.csv'], {
      MY_LLM_KEY: KEY,
    });
    expect(res.code).toBe(2);
    // The messages were shown (so the scan below is not vacuous), with the key masked.
    expect(res.stderr).toContain('upstream rejected Authorization: Bearer ');
    expect(readFileSync(path.join(dir, 'retries.csv'), 'utf8')).toContain('upstream rejected Authorization: Bearer ');
    expect(server.requests.length).toBeGreaterThanOrEqual(5);
  });

  // A clean exit checkpoints the WAL into the database and deletes it; a killed run leaves it behind.
  it('a run killed with -9 leaves its answers in the WAL', async () => {
    server.reset();
    server.setBehavior((req) => (req.body.messages[0].content === 'gamma' ? { hang: true } : undefined));
    const args = ['run', 'in.csv', '-c', 'q', '-m', 'test', '--base-url', `${server.url}/v1`, '--api-key-env', 'MY_LLM_KEY', '-j', '1', '--cache-dir', 'killed', '--verbose', '-o', 'killed.csv'];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: baseEnv({ MY_LLM_KEY: KEY }) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const closed = new Promise((resolve) => child.on('close', resolve));
    // gamma is asked only after alpha and beta were answered; it never is, so the run waits there.
    while (!server.requests.some((r) => r.body.messages[0].content === 'gamma')) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGKILL');
    await closed;
    outputs.push({ what: 'killed stdout', text: stdout }, { what: 'killed stderr', text: stderr });
    expect(statSync(path.join(dir, 'killed', 'cache.sqlite-wal')).size).toBeGreaterThan(0);
    expect(readFileSync(path.join(dir, 'killed', 'cache.sqlite-wal')).includes('echo:beta')).toBe(true);
  });

  it('appears in no output, report, table or cache file', () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const { what, text } of outputs) expect({ what, leaked: text.includes(KEY) }).toEqual({ what, leaked: false });
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const names = files.map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
    // Everything llmap wrote is scanned: both report files, the tables, the cache with its WAL.
    expect(names).toEqual(
      expect.arrayContaining(['ok.json', 'named.json', 'retries.json', 'ok.csv', 'retries.csv', 'cache/cache.sqlite', 'killed/cache.sqlite-wal']),
    );
    for (const name of names) {
      const bytes = readFileSync(path.join(dir, name));
      expect({ name, leaked: bytes.includes(KEY) }).toEqual({ name, leaked: false });
    }
  });
});

describe('the cache is private', () => {
  const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

  it('the WAL and shared-memory files a killed run left are 0600 too', () => {
    const files = readdirSync(path.join(dir, 'killed')).sort();
    expect(files).toEqual(['cache.sqlite', 'cache.sqlite-shm', 'cache.sqlite-wal']);
    expect(files.map((f) => mode(path.join(dir, 'killed', f)))).toEqual(['600', '600', '600']);
    expect(mode(path.join(dir, 'killed'))).toBe('700');
  });

  it('a cache folder llmap creates is 0700 and its files 0600', async () => {
    server.reset();
    const res = await run('modes', ['--base-url', `${server.url}/v1`, '--api-key-env', 'MY_LLM_KEY', '--cache-dir', 'new/deeper/cache', '-q'], {
      MY_LLM_KEY: KEY,
    });
    expect(res.code).toBe(0);
    const folder = path.join(dir, 'new/deeper/cache');
    expect([mode(path.join(dir, 'new')), mode(path.join(dir, 'new/deeper')), mode(folder)]).toEqual(['700', '700', '700']);
    const files = readdirSync(folder);
    expect(files).toContain('cache.sqlite');
    for (const file of files) expect({ file, mode: mode(path.join(folder, file)) }).toEqual({ file, mode: '600' });
  });

  it('the default cache folder under XDG_CACHE_HOME is 0700', async () => {
    const xdg = path.join(dir, 'xdg');
    const res = await runCli(['run', 'in.csv', '-c', 'q', '-p', 'echo', '-q'], { cwd: dir, env: { XDG_CACHE_HOME: xdg } });
    expect(res.code).toBe(0);
    expect(mode(path.join(xdg, 'llmap'))).toBe('700');
    expect(mode(path.join(xdg, 'llmap', 'cache.sqlite'))).toBe('600');
  });
});
