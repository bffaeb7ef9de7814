// Profiles, provider presets and the cache flags through the built CLI: what reaches the fake
// server (bodies, key headers), what is stored, and the exact messages.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { testRedis } from '../cache/helpers/redis-server.js';
import { runCli, tempDir, type CliResult } from './cli.js';

let server: FakeServer;
let dir: string;
let cleanup: () => void;

const redis = await testRedis();

beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(async () => {
  await server.close();
  await redis.stop();
});
beforeEach(() => {
  server.reset();
  ({ dir, cleanup } = tempDir());
  writeFileSync(path.join(dir, 'in.csv'), 'q\nhello world\n');
});
afterEach(() => cleanup());

const chat = () => server.requests.filter((r) => r.path === '/v1/chat/completions');

/** Runs llmap in the temp folder, with its own config and cache homes so the user's never leak in. */
function llmap(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, {
    cwd: dir,
    env: { XDG_CONFIG_HOME: path.join(dir, 'config-home'), XDG_CACHE_HOME: path.join(dir, 'cache-home'), ...env },
  });
}

function writeProfiles(content: object, file = 'llmap.config.json'): void {
  writeFileSync(path.join(dir, file), JSON.stringify(content, null, 2));
}

const fake = () => `${server.url}/v1`;

describe('profiles', () => {
  beforeEach(() => {
    writeProfiles({
      profiles: {
        fast: { model: 'fast-model', baseURL: fake(), temperature: 0.3, system: 'Be brief.' },
        other: { model: 'other-model', baseURL: fake() },
      },
      default: 'other',
    });
  });

  it('--profile supplies the model, base URL, temperature and system message', async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--profile', 'fast', '-q']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('q,response\nhello world,echo:hello world\n');
    expect(chat().map((r) => r.body)).toEqual([
      {
        model: 'fast-model',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello world' },
        ],
        temperature: 0.3,
      },
    ]);
  });

  it("without --profile the file's default applies", async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'q', '-q']);
    expect(res.code).toBe(0);
    expect(chat().map((r) => r.body)).toEqual([{ model: 'other-model', messages: [{ role: 'user', content: 'hello world' }] }]);
  });

  it('flags win over the profile', async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--profile', 'fast', '-m', 'flag-model', '--temperature', '0.9', '-s', 'Be long.', '-q']);
    expect(res.code).toBe(0);
    expect(chat().map((r) => r.body)).toEqual([
      {
        model: 'flag-model',
        messages: [
          { role: 'system', content: 'Be long.' },
          { role: 'user', content: 'hello world' },
        ],
        temperature: 0.9,
      },
    ]);
  });

  it('--config names another file', async () => {
    writeProfiles({ profiles: { team: { model: 'team-model', baseURL: fake() } } }, 'team.json');
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--config', 'team.json', '--profile', 'team', '-q']);
    expect(res.code).toBe(0);
    expect(chat()[0].body.model).toBe('team-model');
  });

  it('an unknown --profile is an error listing the names, before anything is sent', async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--profile', 'nope']);
    expect(res.stderr).toBe("llmap: unknown profile 'nope' in llmap.config.json; profiles are: fast, other\n");
    expect(res.code).toBe(1);
    expect(server.requests).toHaveLength(0);
  });

  it("a profile's key variable that is not set is named with the profile and file", async () => {
    writeProfiles({ profiles: { keyed: { model: 'm', baseURL: fake(), apiKeyEnv: 'TEAM_KEY' } } });
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--profile', 'keyed']);
    expect(res.stderr).toBe(
      'llmap: missing API key: environment variable TEAM_KEY (named by "apiKeyEnv" of profile keyed in llmap.config.json) is not set\n',
    );
    expect(res.code).toBe(1);
  });

  it('a price in the profile adds the cost to the report and the summary', async () => {
    // The fake server counts words: "hello world" in (2), "echo:hello world" out (2).
    writeProfiles({ profiles: { priced: { model: 'm', baseURL: fake(), price: { input: 1000, output: 2000 } } } });
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--profile', 'priced', '--report', 'report.json']);
    expect(res.code).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.cost).toBe(0.006);
    expect(report.tokens).toMatchObject({ input: 2, output: 2 });
    expect(res.stderr).toContain('tokens in 2 / out 2 · cost $0.0060 · ');
  });

  it('llmap profiles list shows the file; profiles test makes one call', async () => {
    const list = await llmap(['profiles', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`*  other  openai    other-model  ${fake()}`);
    expect(list.stdout).toContain('(from llmap.config.json; * = default)');

    const test = await llmap(['profiles', 'test', 'fast']);
    expect(test.stderr).toBe('');
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^profile fast \(openai, model fast-model\): ok in \d+ ms: "echo:Say OK"\n$/);
    expect(chat().map((r) => r.body.model)).toEqual(['fast-model']);
  });
});

describe('provider presets', () => {
  it("a preset in a profile resolves to the OpenAI wire format, and the named key goes to the profile's URL", async () => {
    writeProfiles({ profiles: { g: { provider: 'groq', model: 'llama-3.1-8b-instant', baseURL: fake(), apiKeyEnv: 'GROQ_API_KEY' } } });
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--profile', 'g', '-q', '--report', 'report.json'], { GROQ_API_KEY: 'gsk-test-key' });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(chat()).toHaveLength(1);
    expect(chat()[0].headers.authorization).toBe('Bearer gsk-test-key');
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.run).toMatchObject({ provider: 'groq', model: 'llama-3.1-8b-instant', baseURL: fake() });
  });

  it("a preset's own key is never sent to another base URL unless named", async () => {
    writeProfiles({ profiles: { g: { provider: 'groq', model: 'm', baseURL: fake() } } });
    const res = await llmap(['run', 'in.csv', '-c', 'q', '--profile', 'g', '-q'], { GROQ_API_KEY: 'gsk-test-key', OPENAI_API_KEY: 'sk-test' });
    expect(res.code).toBe(0);
    expect(chat()).toHaveLength(1);
    expect(chat()[0].headers.authorization).toBeUndefined();
  });

  it('-p vllm --base-url: the OpenAI wire format at that URL, VLLM_API_KEY not sent there', async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'q', '-p', 'vllm', '-m', 'qwen', '--base-url', fake(), '-q'], { VLLM_API_KEY: 'vllm-key' });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(chat().map((r) => r.body.model)).toEqual(['qwen']);
    expect(chat()[0].headers.authorization).toBeUndefined();
  });

  it('a preset that needs a key says which variable to set', async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'q', '-p', 'groq', '-m', 'm']);
    expect(res.stderr).toBe('llmap: missing API key: set GROQ_API_KEY for --provider groq (or name another variable with --api-key-env)\n');
    expect(res.code).toBe(1);
  });

  it('llmap providers lists the presets', async () => {
    const res = await llmap(['providers'], { GROQ_API_KEY: 'gsk-secret' });
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^name +kind +base URL +key variable +key +description$/);
    expect(lines).toContainEqual(expect.stringMatching(/^groq +openai +https:\/\/api\.groq\.com\/openai\/v1 +GROQ_API_KEY +set +Groq$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ollama +openai +http:\/\/127\.0\.0\.1:11434\/v1 /));
    expect(res.stdout).not.toContain('gsk-secret');
  });
});

describe('--cache, --cache-mode, --cache-ttl', () => {
  const run = (...more: string[]) => llmap(['run', 'in.csv', '-c', 'q', '-m', 'test', '--base-url', fake(), '-q', ...more]);

  it('file: stores answers in a JSON file; a second run sends nothing', async () => {
    const file = path.join(dir, 'c.json');
    const first = await run('--cache', `file:${file}`, '--report', 'report.json');
    expect(first.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).run.cache).toBe(`file:${file}`);
    const second = await run('--cache', `file:${file}`);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('q,response\nhello world,echo:hello world\n');
    expect(chat()).toHaveLength(1);
  });

  it('read serves stored answers but stores nothing; refresh asks again', async () => {
    const cache = ['--cache', `sqlite:${path.join(dir, 'c.sqlite')}`];
    expect((await run(...cache, '--cache-mode', 'read')).code).toBe(0);
    expect((await run(...cache, '--cache-mode', 'read')).code).toBe(0);
    expect(chat()).toHaveLength(2); // nothing was stored by the first
    expect((await run(...cache)).code).toBe(0);
    expect(chat()).toHaveLength(3);
    expect((await run(...cache, '--cache-mode', 'read')).code).toBe(0);
    expect(chat()).toHaveLength(3); // served from the cache
    expect((await run(...cache, '--cache-mode', 'refresh')).code).toBe(0);
    expect(chat()).toHaveLength(4);
  });

  it.skipIf(!redis.url)('redis:// is shared between runs', async () => {
    // A database of its own, so the Redis unit tests clearing theirs cannot race this one.
    const url = new URL(redis.url!);
    url.pathname = '/7';
    await llmap(['cache', 'clear', '--cache', url.href]);
    expect((await run('--cache', url.href)).code).toBe(0);
    expect((await run('--cache', url.href)).code).toBe(0);
    expect(chat()).toHaveLength(1);
    const stats = await llmap(['cache', 'stats', '--cache', url.href]);
    expect(stats.stdout).toContain('entries: 1\n');
    await llmap(['cache', 'clear', '--cache', url.href]);
  });

  it('llmap cache stats counts what a run stored; prune removes it', async () => {
    const cacheDir = path.join(dir, 'cache');
    writeFileSync(path.join(dir, 'in.csv'), 'q\none\ntwo\n');
    expect((await run('--cache-dir', cacheDir)).code).toBe(0);
    const stats = await llmap(['cache', 'stats', '--cache-dir', cacheDir]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain(`cache:   sqlite:${path.join(cacheDir, 'cache.sqlite')}\nentries: 2\n`);

    const zero = await llmap(['cache', 'prune', '--older-than', '0s', '--cache-dir', cacheDir]);
    expect(zero.stderr).toBe("llmap: expected --older-than to be an age with a unit such as 30d, 12h or 90m, got '0s'\n");
    expect(zero.code).toBe(1);

    // The run above ended before this process started, so its answers are older than 1 ms.
    const prune = await llmap(['cache', 'prune', '--older-than', '1ms', '--cache-dir', cacheDir]);
    expect(prune.code).toBe(0);
    expect(prune.stdout).toMatch(/^removed 2 entries stored before \S+ from sqlite:\S+; 0 entries left\n$/);
    expect((await llmap(['cache', 'stats', '--cache-dir', cacheDir])).stdout).toContain('entries: 0\n');
  });

  it('--cache-ttl: entries written with a TTL are served while fresh', async () => {
    const cache = ['--cache', `file:${path.join(dir, 'c.json')}`, '--cache-ttl', '30d'];
    expect((await run(...cache)).code).toBe(0);
    expect((await run(...cache)).code).toBe(0);
    expect(chat()).toHaveLength(1);
  });

  // The input does not exist: each flag must be refused before the input is opened.
  for (const [flags, message] of [
    [['--cache', 'mysql://x'], "expected --cache to be sqlite:PATH, file:PATH.json or redis://HOST:PORT, got 'mysql://x'"],
    [['--cache', 'file:c.txt'], "expected --cache to be sqlite:PATH, file:PATH.json or redis://HOST:PORT (a file: cache must end in .json), got 'file:c.txt'"],
    [['--cache-mode', 'fast'], "expected --cache-mode to be one of rw, read, write, refresh, got 'fast'"],
    [['--cache-ttl', '30'], "expected --cache-ttl to be an age with a unit such as 30d, 12h or 90m, got '30'"],
    [['--cache', 'file:c.json', '--no-cache'], 'give --cache URI or --no-cache, not both'],
    [['--no-cache', '--cache', 'file:c.json'], 'give --cache URI or --no-cache, not both'],
    [['--no-cache', '--cache-mode', 'read'], '--no-cache turns the cache off; drop --cache-mode or --no-cache'],
  ] as const) {
    it(`refuses ${flags.join(' ')} before reading the input`, async () => {
      const res = await llmap(['run', 'missing.csv', '-c', 'q', '-p', 'echo', ...flags]);
      expect(res.stderr).toBe(`llmap: ${message}\n`);
      expect(res.code).toBe(1);
    });
  }
});
