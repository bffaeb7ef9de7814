import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Bool, DateDay, Float64, Int64, Table, TimestampMillisecond, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

describe('formats and providers end to end', () => {
  it('quick start: the echo provider works on a fresh machine with no key and no network', async () => {
    const res = await runCli(['run', 'fixtures/reviews.csv', '-t', 'Summarize in five words: {{review}}', '-p', 'echo', '--cache-dir', path.join(dir, 'c')]);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('id,review,lang,response');
    expect(lines[1]).toBe('1,"Arrived quickly, works exactly as described.",en,"Summarize in five words: Arrived quickly, works exactly as described."');
    expect(lines).toHaveLength(9);
    expect(res.stderr).toMatch(/^llmap: 8 rows in .*: 7 sent, 0 cached, 1 skipped, 0 failed/m);
    expect(lines[5]).toBe('5,,en,');
  });

  it('Arrow in, Arrow out: input column types are kept and the response is Utf8', async () => {
    const table = new Table({
      id: vectorFromArray([1n, 2n, 3n], new Int64()),
      score: vectorFromArray([0.5, 1.25, null], new Float64()),
      ok: vectorFromArray([true, false, true], new Bool()),
      text: vectorFromArray(['alpha', 'beta', 'gamma'], new Utf8()),
    });
    const input = path.join(dir, 'in.arrow');
    writeFileSync(input, tableToIPC(table, 'file'));
    const out = path.join(dir, 'out.arrow');
    const res = await runCli(['run', input, '-t', '{{text}} #{{id}} {{score}}', '-m', 'test', '--base-url', `${server.url}/v1`,
      '--cache-dir', path.join(dir, 'c'), '-o', out, '-q']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const back = tableFromIPC(readFileSync(out));
    expect(back.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Int64', 'score:Float64', 'ok:Bool', 'text:Utf8', 'response:Utf8']);
    expect(back.getChild('id')!.toArray()).toEqual(new BigInt64Array([1n, 2n, 3n]));
    expect([...back.getChild('score')!]).toEqual([0.5, 1.25, null]);
    expect([...back.getChild('ok')!]).toEqual([true, false, true]);
    expect([...back.getChild('response')!]).toEqual(['echo:alpha #1 0.5', 'echo:beta #2 1.25', 'echo:gamma #3 ']);
  });

  it('Arrow dates and timestamps go into prompts as ISO dates, not epoch milliseconds (a zoneless timestamp without Z), and come back typed', async () => {
    const at = new Date('2024-03-05T12:34:56.000Z');
    const table = new Table({
      day: vectorFromArray([at, null], new DateDay()),
      ts: vectorFromArray([at, at], new TimestampMillisecond()),
    });
    const input = path.join(dir, 'dates.arrow');
    writeFileSync(input, tableToIPC(table, 'file'));
    const out = path.join(dir, 'dates-out.arrow');
    const res = await runCli(['run', input, '-t', 'on {{day}} at {{ts}}', '-p', 'echo', '--no-cache', '-o', out, '-q']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const back = tableFromIPC(readFileSync(out));
    expect(back.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['day:Date32<DAY>', 'ts:Timestamp<MILLISECOND>', 'response:Utf8']);
    expect([...back.getChild('ts')!]).toEqual([at.getTime(), at.getTime()]);
    expect([...back.getChild('response')!]).toEqual(['on 2024-03-05 at 2024-03-05T12:34:56.000', 'on  at 2024-03-05T12:34:56.000']);
  });

  it('CSV in, Arrow stream to stdout, read back by apache-arrow', async () => {
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'q\nx\ny\n');
    const res = await runCli(['run', input, '-c', 'q', '-p', 'echo', '--output-format', 'arrow', '--cache-dir', path.join(dir, 'c'), '-q']);
    expect(res.code).toBe(0);
    // stdout was read as UTF-8 text by the helper, so re-run into a file to get the bytes.
    const out = path.join(dir, 'o.arrows');
    await runCli(['run', input, '-c', 'q', '-p', 'echo', '-o', out, '--cache-dir', path.join(dir, 'c'), '-q']);
    const back = tableFromIPC(readFileSync(out));
    expect(back.toArray().map((r) => r.toJSON())).toEqual([{ q: 'x', response: 'x' }, { q: 'y', response: 'y' }]);
  });

  it('Anthropic: posts /v1/messages with the key header and default max_tokens, writes the answers', async () => {
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'text\nhello\nworld\n');
    const res = await runCli(['run', input, '-c', 'text', '-p', 'anthropic', '-m', 'claude-test', '--base-url', server.url, '-s', 'sys',
      '--api-key-env', 'ANTHROPIC_API_KEY', '--cache-dir', path.join(dir, 'c'), '-q'], { env: { ANTHROPIC_API_KEY: 'sk-ant-test' } });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('text,response\nhello,echo:hello\nworld,echo:world\n');
    const reqs = server.requests.filter((r) => r.path === '/v1/messages');
    expect(reqs.map((r) => r.body)).toEqual([
      { model: 'claude-test', max_tokens: 1024, system: 'sys', messages: [{ role: 'user', content: 'hello' }] },
      { model: 'claude-test', max_tokens: 1024, system: 'sys', messages: [{ role: 'user', content: 'world' }] },
    ]);
    expect(reqs[0].headers['x-api-key']).toBe('sk-ant-test');
  });

  it('fixtures/reviews.csv is the file the README quick start uses', () => {
    expect(readFileSync(path.join(ROOT, 'fixtures/reviews.csv'), 'utf8').split('\n')[0]).toBe('id,review,lang');
  });
});
