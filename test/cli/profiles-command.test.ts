import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { profilesListCommand, profilesTestCommand, registerProfilesCommand } from '../../src/cli/profiles-command.js';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { fakeCli } from './fake-cli.js';

let dir: string;
let home: string;

function writeConfig(content: object, file = 'llmap.config.json'): void {
  writeFileSync(path.join(dir, file), JSON.stringify(content, null, 2));
}

/** A clock that advances 42 ms per reading, so latencies print the same on any machine. */
function steppingClock(): () => number {
  let t = 1000;
  return () => (t += 42);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'llmap-profiles-cmd-'));
  home = path.join(dir, 'home');
  mkdirSync(home);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('llmap profiles list', () => {
  test('a table with the default marked; key variables and whether they are set, never the keys', async () => {
    writeConfig({
      profiles: {
        fast: { provider: 'openai', model: 'gpt-4o-mini', concurrency: 32, price: { input: 0.15, output: 0.6 } },
        local: { provider: 'ollama', model: 'llama3.2' },
        proxy: { model: 'gpt-4o', baseURL: 'https://proxy.example/v1', apiKeyEnv: 'PROXY_KEY' },
        router: { provider: 'openrouter', model: 'meta-llama/llama-3.1-8b-instruct' },
        bare: { temperature: 0 },
      },
      default: 'fast',
    });
    const { cli, out } = fakeCli({ HOME: home, OPENAI_API_KEY: 'sk-secret', OPENROUTER_API_KEY: 'sk-or-secret' });
    expect(await profilesListCommand({}, cli, { cwd: dir })).toBe(0);
    expect(out.stdout).toBe(
      `\
   name    provider    model                             base URL                      key variable        key      concurrency  price $/1M in/out
*  fast    openai      gpt-4o-mini                       https://api.openai.com/v1     OPENAI_API_KEY      set      32           0.15 / 0.6
   local   ollama      llama3.2                          http://127.0.0.1:11434/v1     -                   -        -            -
   proxy   openai      gpt-4o                            https://proxy.example/v1      PROXY_KEY           not set  -            -
   router  openrouter  meta-llama/llama-3.1-8b-instruct  https://openrouter.ai/api/v1  OPENROUTER_API_KEY  set      -            -
   bare    openai      -                                 https://api.openai.com/v1     OPENAI_API_KEY      set      -            -
(from llmap.config.json; * = default)
`,
    );
    expect(out.stdout).not.toContain('secret');
    expect(out.stderr).toBe('');
  });

  test('--config names another file', async () => {
    writeConfig({ profiles: { team: { provider: 'echo' } } }, 'team.json');
    const { cli, out } = fakeCli({ HOME: home });
    await profilesListCommand({ config: 'team.json' }, cli, { cwd: dir });
    expect(out.stdout).toBe(
      `\
name  provider  model  base URL  key variable  key  concurrency  price $/1M in/out
team  echo      -      -         -             -    -            -
(from team.json)
`,
    );
  });

  test('no profiles file: says where it looked', async () => {
    const { cli, out } = fakeCli({ HOME: home });
    expect(await profilesListCommand({}, cli, { cwd: dir })).toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      `llmap: no profiles file; looked for ${path.join(dir, 'llmap.config.json')} and ${path.join(home, '.config', 'llmap', 'config.json')}\n`,
    );
  });

  test('an invalid file is an error naming file, profile and field', async () => {
    writeConfig({ profiles: { fast: { temperature: 'hot' } } });
    const { cli } = fakeCli({ HOME: home });
    await expect(profilesListCommand({}, cli, { cwd: dir })).rejects.toThrow(
      'llmap.config.json: profiles.fast.temperature: expected a number from 0 to 2, got "hot"',
    );
  });
});

describe('llmap profiles test', () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer({ apiKey: 'sekrit' });
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  const profile = () => ({ provider: 'openai', model: 'test', baseURL: `${server.url}/v1`, apiKeyEnv: 'TEST_KEY', temperature: 0 });

  test('ok: one call with "Say OK", the profile key and parameters; prints latency, model and the answer', async () => {
    writeConfig({ profiles: { t: profile() } });
    const { cli, out } = fakeCli({ HOME: home, TEST_KEY: 'sekrit' });
    expect(await profilesTestCommand('t', {}, cli, { cwd: dir, now: steppingClock() })).toBe(0);
    expect(out.stdout).toBe('profile t (openai, model test): ok in 42 ms: "echo:Say OK"\n');
    expect(out.stderr).toBe('');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].path).toBe('/v1/chat/completions');
    expect(server.requests[0].headers.authorization).toBe('Bearer sekrit');
    expect(server.requests[0].body).toEqual({ model: 'test', messages: [{ role: 'user', content: 'Say OK' }], temperature: 0 });
  });

  test('401: one line on stderr naming the key variable, exit 1, no retry', async () => {
    writeConfig({ profiles: { t: profile() } });
    const { cli, out } = fakeCli({ HOME: home, TEST_KEY: 'wrong' });
    expect(await profilesTestCommand('t', {}, cli, { cwd: dir, now: steppingClock() })).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr.startsWith(`profile t (openai, model test): error after 42 ms: authentication failed (401) at ${server.url}/v1`)).toBe(true);
    expect(out.stderr).toContain('TEST_KEY');
    expect(out.stderr).not.toContain('wrong');
    expect(out.stderr.split('\n')).toEqual([expect.any(String), '']);
    expect(server.requests).toHaveLength(1);
  });

  test('without a name: the default profile, through the registered command and --config', async () => {
    writeConfig({ profiles: { other: { provider: 'echo' }, t: profile() }, default: 't' }, 'team.json');
    const { cli, out } = fakeCli({ HOME: home, TEST_KEY: 'wrong' });
    const codes: number[] = [];
    const program = new Command('llmap').exitOverride();
    registerProfilesCommand(program, cli, (code) => codes.push(code), () => dir);
    await program.parseAsync(['profiles', 'test', '--config', 'team.json'], { from: 'user' });
    expect(codes).toEqual([1]);
    expect(out.stderr).toContain('profile t (openai, model test): error after');
    expect(server.requests).toHaveLength(1);
  });

  test('the echo provider answers without a network', async () => {
    writeConfig({ profiles: { e: { provider: 'echo' } } });
    const { cli, out } = fakeCli({ HOME: home });
    expect(await profilesTestCommand('e', {}, cli, { cwd: dir, now: steppingClock() })).toBe(0);
    expect(out.stdout).toBe('profile e (echo, model echo): ok in 42 ms: "Say OK"\n');
  });

  test('a key variable named by the profile but not set: a usage error pointing at the file', async () => {
    writeConfig({ profiles: { t: profile() } });
    const { cli } = fakeCli({ HOME: home });
    await expect(profilesTestCommand('t', {}, cli, { cwd: dir })).rejects.toThrow(
      'missing API key: environment variable TEST_KEY (named by "apiKeyEnv" of profile t in llmap.config.json) is not set',
    );
    expect(server.requests).toHaveLength(0);
  });

  test('errors before any call: no model, unknown name, nothing to pick', async () => {
    writeConfig({ profiles: { nomodel: { provider: 'ollama' }, t: profile() } });
    const { cli } = fakeCli({ HOME: home });
    await expect(profilesTestCommand('nomodel', {}, cli, { cwd: dir })).rejects.toThrow(
      'profile nomodel in llmap.config.json has no "model"; add one to test it',
    );
    await expect(profilesTestCommand('slow', {}, cli, { cwd: dir })).rejects.toThrow(
      "unknown profile 'slow' in llmap.config.json; profiles are: nomodel, t",
    );
    await expect(profilesTestCommand(undefined, {}, cli, { cwd: dir })).rejects.toThrow(
      'say which profile to test (profiles are: nomodel, t), or set "default" in llmap.config.json',
    );
    expect(server.requests).toHaveLength(0);
  });
});
