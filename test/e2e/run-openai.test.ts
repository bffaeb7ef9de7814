import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeServer } from '../fake-server/server.js';
import { runCli } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

const chat = () => server.requests.filter((r) => r.path === '/v1/chat/completions');

function args(input: string, ...more: string[]) {
  return ['run', input, '-m', 'test', '--base-url', `${server.url}/v1`, '--cache-dir', path.join(dir, 'cache'), ...more];
}

function writeCsv(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('llmap run against an OpenAI-compatible server', () => {
  it('renders the template into each request and writes every row in input order; a second run sends nothing', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},review number ${i}`);
    const input = writeCsv('in.csv', `id,review\n${rows.join('\n')}\n`);
    const out = path.join(dir, 'out.csv');
    let seed = 3;
    server.setBehavior(() => ({ delayMs: (seed = (seed * 48271) % 2147483647) % 40 }));
    const first = await runCli(args(input, '-t', 'Summarize: {{review}}', '-s', 'Be brief.', '-j', '8', '-o', out, '-q'));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const expected =
      'id,review,response\n' + Array.from({ length: 40 }, (_, i) => `${i},review number ${i},echo:Summarize: review number ${i}`).join('\n') + '\n';
    expect(readFileSync(out, 'utf8')).toBe(expected);
    expect(chat()).toHaveLength(40);
    const body = chat().find((r) => r.body.messages[1].content === 'Summarize: review number 7')!.body;
    expect(body).toEqual({
      model: 'test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Summarize: review number 7' },
      ],
    });

    server.reset();
    server.setBehavior(undefined);
    const second = await runCli(args(input, '-t', 'Summarize: {{review}}', '-s', 'Be brief.', '-o', out, '-q'));
    expect(second.code).toBe(0);
    expect(chat()).toHaveLength(0);
    expect(readFileSync(out, 'utf8')).toBe(expected);
  });

  it('sends temperature and max_tokens only when given, and they change the cache key', async () => {
    const input = writeCsv('in.csv', 'q\nhello\n');
    await runCli(args(input, '-c', 'q', '-q'));
    await runCli(args(input, '-c', 'q', '-q', '--temperature', '0.5', '--max-tokens', '20'));
    expect(chat().map((r) => r.body)).toEqual([
      { model: 'test', messages: [{ role: 'user', content: 'hello' }] },
      { model: 'test', messages: [{ role: 'user', content: 'hello' }], temperature: 0.5, max_tokens: 20 },
    ]);
  });

  it('round-trips CSV edge cases: quotes, commas, newlines in cells, emoji, BOM, CRLF', async () => {
    const input = writeCsv('edge.csv', '\ufeffid,text\r\n1,"a, ""quoted"" word"\r\n2,"two\nlines"\r\n3,héllo 👋\r\n');
    const res = await runCli(args(input, '-c', 'text', '-q'));
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      'id,text,response\n1,"a, ""quoted"" word","echo:a, ""quoted"" word"\n2,"two\nlines","echo:two\nlines"\n3,héllo 👋,echo:héllo 👋\n',
    );
    expect(chat().map((r) => r.body.messages[0].content)).toEqual(['a, "quoted" word', 'two\nlines', 'héllo 👋']);
  });

  it('reads stdin and writes stdout', async () => {
    const res = await runCli(args('-', '-c', 'text', '-q'), { stdin: 'text\nfrom a pipe\n' });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('text,response\nfrom a pipe,echo:from a pipe\n');
  });

  it('reads and writes JSONL, keeping value types', async () => {
    const input = path.join(dir, 'in.jsonl');
    writeFileSync(input, '{"id":1,"text":"hi","ok":true}\n{"id":2,"text":"yo","ok":null}\n');
    const out = path.join(dir, 'out.jsonl');
    const res = await runCli(args(input, '-c', 'text', '-o', out, '-q'));
    expect(res.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(
      '{"id":1,"text":"hi","ok":true,"response":"echo:hi"}\n{"id":2,"text":"yo","ok":null,"response":"echo:yo"}\n',
    );
  });

  it('skips empty prompts without a request and counts them', async () => {
    const input = writeCsv('in.csv', 'id,text\n1,a\n2,\n3,"   "\n4,b\n');
    const res = await runCli(args(input, '-c', 'text', '--report', path.join(dir, 'r.json')));
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('id,text,response\n1,a,echo:a\n2,,\n3,   ,\n4,b,echo:b\n');
    expect(chat()).toHaveLength(2);
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(report.rows).toMatchObject({ total: 4, sent: 2, cached: 0, skipped: 2, failed: 0 });
    expect(res.stderr).toContain('2 skipped');
  });

  it('retries 429 (retry-after-ms), 500 and connection resets, and every row comes back', async () => {
    const input = writeCsv('in.csv', 'text\na\nb\nc\n');
    let n = 0;
    server.setBehavior(() => {
      n++;
      if (n === 1) return { status: 429, retryAfterMs: '20' };
      if (n === 2) return { status: 500 };
      if (n === 3) return { reset: true };
      return undefined;
    });
    const res = await runCli(args(input, '-c', 'text', '-j', '1', '--report', path.join(dir, 'r.json'), '-q'));
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('text,response\na,echo:a\nb,echo:b\nc,echo:c\n');
    expect(chat()).toHaveLength(6);
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(report.retries).toBe(3);
    expect(report.requests).toBe(6);
  });

  it('fails one row on a 400 without retrying it, keeps the rest, exits 2, and the rerun sends only that row', async () => {
    const input = writeCsv('in.csv', 'text\nok1\ntoo long\nok2\n');
    server.setBehavior((req) =>
      req.body?.messages?.[0]?.content === 'too long' ? { status: 400, message: 'context length exceeded' } : undefined,
    );
    const out = path.join(dir, 'out.csv');
    const res = await runCli(args(input, '-c', 'text', '--metadata', '-o', out, '-q'));
    expect(res.code).toBe(2);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines[0]).toBe('text,response,error,cached,latency_ms,input_tokens,output_tokens,finish_reason');
    expect(lines[2]).toMatch(/^too long,,.*context length exceeded.*,false,\d+,,,$/);
    expect(lines[1]).toMatch(/^ok1,echo:ok1,,false,\d+,\d+,\d+,stop$/);
    expect(chat()).toHaveLength(3);

    server.reset();
    server.setBehavior(undefined);
    const rerun = await runCli(args(input, '-c', 'text', '--metadata', '-o', out, '-q'));
    expect(rerun.code).toBe(0);
    expect(chat().map((r) => r.body.messages[0].content)).toEqual(['too long']);
    expect(readFileSync(out, 'utf8').split('\n')[1]).toBe('ok1,echo:ok1,,true,,1,1,stop');
  });

  it('stops at once on 401, names the key variable, never prints the key, and leaves no output file', async () => {
    const secret = 'sk-test-SECRET-1234567890';
    const keyed = await startFakeServer({ apiKey: 'sk-the-right-one' });
    try {
      const input = writeCsv('in.csv', 'text\n' + Array.from({ length: 50 }, (_, i) => `row ${i}`).join('\n') + '\n');
      const out = path.join(dir, 'out.csv');
      const res = await runCli(
        ['run', input, '-c', 'text', '-m', 'test', '--base-url', `${keyed.url}/v1`, '--api-key-env', 'MY_KEY', '-o', out,
          '--cache-dir', path.join(dir, 'cache'), '--report', path.join(dir, 'r.json'), '--verbose'],
        { env: { MY_KEY: secret } },
      );
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/authentication failed \(401\).*MY_KEY/);
      expect(existsSync(out)).toBe(false);
      expect(keyed.requests.length).toBeLessThan(50);
      expect(keyed.requests[0].headers.authorization).toBe(`Bearer ${secret}`);
      // The report is written all the same, saying why the run stopped; never with the key.
      const reportText = readFileSync(path.join(dir, 'r.json'), 'utf8');
      const report = JSON.parse(reportText);
      expect(report.exitCode).toBe(1);
      expect(report.stopped).toMatch(/authentication failed \(401\).*MY_KEY/);
      for (const text of [res.stdout, res.stderr, reportText]) expect(text).not.toContain(secret);
    } finally {
      await keyed.close();
    }
  });

  it('does not send OPENAI_API_KEY to a custom base URL unless asked', async () => {
    const input = writeCsv('in.csv', 'text\nhi\n');
    const res = await runCli(args(input, '-c', 'text', '-q'), { env: { OPENAI_API_KEY: 'sk-should-not-leak' } });
    expect(res.code).toBe(0);
    expect(chat()[0].headers.authorization).toBeUndefined();
  });

  it('--limit sends only the first rows', async () => {
    const input = writeCsv('in.csv', 'text\na\nb\nc\nd\n');
    const res = await runCli(args(input, '-c', 'text', '--limit', '2', '-q'));
    expect(res.stdout).toBe('text,response\na,echo:a\nb,echo:b\n');
    expect(chat()).toHaveLength(2);
  });

  it('writes the run report as JSON with counts, tokens and latency, and no secrets', async () => {
    const input = writeCsv('in.csv', 'text\na\nb\na\n');
    const reportPath = path.join(dir, 'report.json');
    const res = await runCli(args(input, '-c', 'text', '--report', reportPath, '--api-key-env', 'K'), { env: { K: 'sk-secret-xyz' } });
    expect(res.code).toBe(0);
    const text = readFileSync(reportPath, 'utf8');
    expect(text).not.toContain('sk-secret-xyz');
    const report = JSON.parse(text);
    expect(report.rows).toMatchObject({ total: 3, sent: 2, cached: 1, skipped: 0, failed: 0 });
    expect(report.requests).toBe(2);
    expect(report.tokens.input).toBeGreaterThan(0);
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(report.exitCode).toBe(0);
    expect(report.run).toMatchObject({ provider: 'openai', model: 'test' });
    expect(res.stderr).toMatch(/3 rows in .*2 sent, 1 cached/);
  });
});
