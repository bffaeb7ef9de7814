// `llmap ask` through the built CLI against the fake server: text reaches stdout piece by piece
// (proved with a gate that holds the server's stream, not with timing), the request sent, the cache
// shared with `llmap run`, retries before the first text, failures after it, and signals.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failFirst, failure, startFakeServer, streamGate } from '../fake-server/server.js';
import { BIN, baseEnv, runCli, type CliResult } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

/** The user's environment for a test: its own cache and config homes, so nothing leaks in or out. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return { XDG_CONFIG_HOME: path.join(dir, 'config-home'), XDG_CACHE_HOME: path.join(dir, 'cache-home'), ...extra };
}

function llmap(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: env(opts.env), stdin: opts.stdin });
}

const openai = () => ['-m', 'test', '--base-url', `${server.url}/v1`];
const anthropic = () => ['-p', 'anthropic', '-m', 'claude-test', '--base-url', server.url];

/** llmap running in the background, its stdout watched as it arrives. */
function spawnLlmap(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: baseEnv(env()), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of watchers) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Resolves once stdout holds `text`; rejects if llmap exits first. */
    waitForStdout(text: string): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = () => stdout.includes(text) && resolve(stdout);
        watchers.push(check);
        check();
        void exited.then(({ code }) => reject(new Error(`llmap exited (${code}) before writing '${text}'; stdout: '${stdout}', stderr: '${stderr}'`)));
      });
    },
  };
}

describe('ask streaming chunk by chunk', () => {
  it.each([
    ['OpenAI', openai, '/v1/chat/completions'],
    ['Anthropic', anthropic, '/v1/messages'],
  ])('%s wire format: the first piece is on stdout while the server still holds the rest', async (_name, endpoint, route) => {
    const gate = streamGate(1);
    server.setBehavior(() => ({ gate }));
    const run = spawnLlmap(['ask', 'hello world', ...endpoint()]);
    // The fake answers 'echo:hello world' in two pieces: 'echo:hello ' and 'world'. The second is
    // sent only when the gate opens, so seeing the first on stdout now proves it was streamed.
    const early = await run.waitForStdout('echo:hello ');
    expect(gate.isOpen).toBe(false);
    expect(early).toBe('echo:hello ');
    gate.open();
    const { code } = await run.exited;
    expect(run.stderr).toBe('');
    expect(code).toBe(0);
    expect(run.stdout).toBe('echo:hello world\n');
    expect(server.requests.map((r) => r.path)).toEqual([route]);
  });

  it('echo streams offline, with no server and no key', async () => {
    const res = await llmap(['ask', 'three  little words', '-p', 'echo']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('three  little words\n');
  });

  it('an answer that ends with a newline gets no second one', async () => {
    const res = await llmap(['ask', 'line one\n', '-p', 'echo', '--no-cache']);
    expect(res.stdout).toBe('line one\n');
  });
});

describe('what is sent', () => {
  it('OpenAI: stream true with usage, the model, system message, max_tokens and temperature', async () => {
    const res = await llmap(['ask', 'hi there', ...openai(), '-s', 'Be brief.', '--max-tokens', '20', '--temperature', '0.5']);
    expect(res.code).toBe(0);
    expect(server.requests.map((r) => r.body)).toEqual([
      {
        model: 'test',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi there' },
        ],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 20,
        temperature: 0.5,
      },
    ]);
  });

  it('Anthropic: stream true, the model, the system field, max_tokens (1024 by default) and temperature', async () => {
    const res = await llmap(['ask', 'hi there', ...anthropic(), '-s', 'Be brief.', '--temperature', '0.5']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('echo:hi there\n');
    expect(server.requests.map((r) => r.body)).toEqual([
      {
        model: 'claude-test',
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'hi there' }],
        system: 'Be brief.',
        temperature: 0.5,
        stream: true,
      },
    ]);
  });

  it("a profile's model, endpoint and system message apply, as for run", async () => {
    writeFileSync(
      path.join(dir, 'llmap.config.json'),
      JSON.stringify({ profiles: { quick: { model: 'profile-model', baseURL: `${server.url}/v1`, system: 'Answer in French.' } } }),
    );
    const res = await llmap(['ask', 'hello', '--profile', 'quick']);
    expect(res.code).toBe(0);
    expect(server.requests[0].body).toMatchObject({
      model: 'profile-model',
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'hello' },
      ],
    });
  });
});

describe('the prompt', () => {
  it('comes from stdin when there is no argument (one trailing newline dropped)', async () => {
    const res = await llmap(['ask', ...openai()], { stdin: 'from stdin\n' });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('echo:from stdin\n');
    expect(server.requests[0].body.messages).toEqual([{ role: 'user', content: 'from stdin' }]);
  });

  it("comes from stdin for '-', keeping inner newlines", async () => {
    const res = await llmap(['ask', '-', '-p', 'echo', '--no-cache'], { stdin: 'line 1\nline 2\n' });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('line 1\nline 2\n');
  });

  it('missing altogether is a one-line usage error, and nothing is sent', async () => {
    const res = await llmap(['ask', ...openai()]);
    expect(res.stderr).toBe('llmap: missing prompt: llmap ask "PROMPT", or pipe it in: echo PROMPT | llmap ask\n');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('empty on stdin, or blank as an argument, is an error', async () => {
    const piped = await llmap(['ask', '-', ...openai()], { stdin: '\n' });
    expect(piped.stderr).toBe('llmap: the prompt on stdin is empty\n');
    expect(piped.code).toBe(1);
    const blank = await llmap(['ask', '  ', ...openai()]);
    expect(blank.stderr).toBe('llmap: the prompt is empty; say what to ask: llmap ask "PROMPT"\n');
    expect(blank.code).toBe(1);
    expect(server.requests).toHaveLength(0);
  });
});

describe('the cache', () => {
  it('a second ask is answered from the cache at once, with no request', async () => {
    const first = await llmap(['ask', 'cache me', ...openai()]);
    expect(first.stdout).toBe('echo:cache me\n');
    expect(server.requests).toHaveLength(1);
    const second = await llmap(['ask', 'cache me', ...openai(), '--verbose']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('echo:cache me\n');
    expect(second.stderr).toMatch(/^llmap: from the cache, stored \S+; 2 tokens in, 2 out, finish stop\n$/);
    expect(server.requests).toHaveLength(1);
  });

  it('shares its key with run: ask after run sends nothing', async () => {
    writeFileSync(path.join(dir, 'in.csv'), 'q\nshared prompt\n');
    const run = await llmap(['run', 'in.csv', '-c', 'q', ...openai(), '-s', 'Be brief.', '-q']);
    expect(run.stdout).toBe('q,response\nshared prompt,echo:shared prompt\n');
    expect(server.requests).toHaveLength(1);
    const ask = await llmap(['ask', 'shared prompt', ...openai(), '-s', 'Be brief.']);
    expect(ask.stdout).toBe('echo:shared prompt\n');
    expect(server.requests).toHaveLength(1);
  });

  it("shares its key with run: run after ask sends nothing, and gets ask's text, finish reason and usage", async () => {
    const ask = await llmap(['ask', 'asked first', ...anthropic()]);
    expect(ask.stdout).toBe('echo:asked first\n');
    writeFileSync(path.join(dir, 'in.csv'), 'q\nasked first\n');
    const run = await llmap(['run', 'in.csv', '-c', 'q', ...anthropic(), '--metadata', '-q']);
    expect(server.requests).toHaveLength(1);
    // Usage from the stream's message_start (2 words in) and message_delta (2 words out).
    expect(run.stdout).toBe(
      'q,response,error,cached,latency_ms,input_tokens,output_tokens,finish_reason\n' +
        'asked first,echo:asked first,,true,,2,2,end_turn\n',
    );
  });

  it('stores the usage of the last OpenAI chunk', async () => {
    await llmap(['ask', 'count these words', ...openai()]);
    writeFileSync(path.join(dir, 'in.csv'), 'q\ncount these words\n');
    const run = await llmap(['run', 'in.csv', '-c', 'q', ...openai(), '--metadata', '-q']);
    expect(server.requests).toHaveLength(1);
    expect(run.stdout.split('\n')[1]).toBe('count these words,echo:count these words,,true,,3,3,stop');
  });

  it('--no-cache neither reads nor writes; --cache-mode refresh sends again', async () => {
    await llmap(['ask', 'fresh', ...openai(), '--no-cache']);
    await llmap(['ask', 'fresh', ...openai()]);
    expect(server.requests).toHaveLength(2);
    await llmap(['ask', 'fresh', ...openai(), '--cache-mode', 'refresh']);
    expect(server.requests).toHaveLength(3);
    await llmap(['ask', 'fresh', ...openai()]);
    expect(server.requests).toHaveLength(3);
  });
});

describe('failures', () => {
  it('a 429 before any text is retried after its retry-after', async () => {
    server.setBehavior(failFirst(1, failure('rate_limit', { retryAfterMs: 5 })));
    const res = await llmap(['ask', 'try again', ...openai(), '--verbose']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('echo:try again\n');
    expect(server.requests.map((r) => r.outcome)).toEqual(['rate_limited', 'ok']);
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^llmap: attempt 1 failed \(429: rate limited \(429\) by http:\/\/127\.0\.0\.1:\d+\/v1: Rate limit reached/);
    expect(lines[1]).toMatch(/^llmap: 2 tokens in, 2 out, finish stop; first text after \S+, done after \S+; 2 attempts; cached$/);
  });

  it('without --verbose a retried answer leaves stderr empty', async () => {
    server.setBehavior(failFirst(2, failure('server')));
    const res = await llmap(['ask', 'quiet retry', ...anthropic()]);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('echo:quiet retry\n');
    expect(server.requests).toHaveLength(3);
  });

  it('401 gives one line naming the key variable, exit 1, no retry, and never the key', async () => {
    const strict = await startFakeServer({ apiKey: 'right-key' });
    try {
      const res = await llmap(['ask', 'hi', '-m', 'test', '--base-url', `${strict.url}/v1`, '--api-key-env', 'MY_KEY'], {
        env: { MY_KEY: 'sk-wrong-secret' },
      });
      expect(res.stderr).toBe(`llmap: authentication failed (401) at ${strict.url}/v1: check the API key in $MY_KEY\n`);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(strict.requests).toHaveLength(1);
      expect(strict.requests[0].headers.authorization).toBe('Bearer sk-wrong-secret');
    } finally {
      await strict.close();
    }
  });

  it('retries give up after --retries and say how many attempts were made', async () => {
    server.setBehavior(() => failure('server', { message: 'boom' }));
    const res = await llmap(['ask', 'never', ...openai(), '--retries', '2']);
    expect(res.stderr).toBe(`llmap: server error (500) at ${server.url}/v1: boom (gave up after 3 attempts)\n`);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(server.requests).toHaveLength(3);
  });

  it('a stream cut after the first text is not retried: a newline, one line on stderr, exit 1, nothing cached', async () => {
    server.setBehavior(() => ({ cutStreamAfter: 1 }));
    const res = await llmap(['ask', 'hello world', ...openai()]);
    expect(res.stdout).toBe('echo:hello \n');
    expect(res.stderr).toMatch(/^llmap: network error talking to http:\/\/127\.0\.0\.1:\d+\/v1: [^\n]+; the answer above is incomplete and was not cached\n$/);
    expect(res.code).toBe(1);
    expect(server.requests).toHaveLength(1);
    server.setBehavior(undefined);
    const again = await llmap(['ask', 'hello world', ...openai()]);
    expect(again.stdout).toBe('echo:hello world\n');
    expect(server.requests).toHaveLength(2);
  });

  it('an overloaded error event before any text is retried', async () => {
    server.setBehavior(failFirst(1, { streamError: { type: 'overloaded_error', message: 'Overloaded' } }));
    const res = await llmap(['ask', 'busy day', ...anthropic()]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('echo:busy day\n');
    expect(server.requests).toHaveLength(2);
  });

  it('an error event after the first text ends the answer with one line on stderr', async () => {
    server.setBehavior(() => ({ streamError: { after: 1, type: 'overloaded_error', message: 'Overloaded' } }));
    const res = await llmap(['ask', 'busy day', ...anthropic()]);
    expect(res.stdout).toBe('echo:busy \n');
    expect(res.stderr).toBe(
      `llmap: error from ${server.url} during the answer (overloaded_error): Overloaded; the answer above is incomplete and was not cached\n`,
    );
    expect(res.code).toBe(1);
    expect(server.requests).toHaveLength(1);
  });
});

describe('signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s mid-stream aborts, exits %i and caches nothing', async (signal, exitCode) => {
    const gate = streamGate(1);
    server.setBehavior(() => ({ gate }));
    const run = spawnLlmap(['ask', 'hello world', ...openai()]);
    await run.waitForStdout('echo:hello ');
    run.child.kill(signal);
    const { code } = await run.exited;
    gate.open();
    expect(code).toBe(exitCode);
    expect(run.stdout).toBe('echo:hello \n');
    expect(run.stderr).toBe(`llmap: stopped by ${signal}; the answer is incomplete and was not cached\n`);
    server.setBehavior(undefined);
    const again = await llmap(['ask', 'hello world', ...openai()]);
    expect(again.stdout).toBe('echo:hello world\n');
    expect(server.requests).toHaveLength(2);
  });
});
