import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function file(name: string, text: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Runs with the offline echo provider so only input handling is exercised. */
async function fails(args: string[], message: string | RegExp, env?: Record<string, string>) {
  const out = path.join(dir, 'out.csv');
  const res = await runCli(['run', ...args, '-o', out, '--cache-dir', path.join(dir, 'cache')], { cwd: dir, env });
  expect(res.code).toBe(1);
  const lines = res.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  if (typeof message === 'string') expect(lines[0]).toBe(`llmap: ${message}`);
  else expect(lines[0]).toMatch(message);
  expect(res.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(out)).toBe(false);
  // No temp file left behind either.
  expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);
}

const reviews = () => file('reviews.csv', 'id,review,lang\n1,good,en\n');

describe('bad input gets one clear line and exit 1', () => {
  it('unknown column lists the columns', () =>
    fails([reviews(), '-c', 'revew', '-p', 'echo'], "column 'revew' not found in " + path.join(dir, 'reviews.csv') + '; columns are: id, review, lang'));

  it('unknown placeholder lists the columns', () =>
    fails([reviews(), '-t', 'Hi {{revew}}', '-p', 'echo'], /placeholder \{\{revew\}\} is not a column of .*reviews\.csv; columns are: id, review, lang$/));

  it('template braces that never close', () =>
    fails([reviews(), '-t', 'Hi {{review', '-p', 'echo'], "--template: '{{' at position 4 is never closed with '}}'; write \\{{ for a literal '{{'"));

  it('malformed CSV names the line', () =>
    fails([file('bad.csv', 'a,b\n1,2\n3,"4\n'), '-c', 'a', '-p', 'echo'], /bad\.csv: line 3/));

  it('ragged row names the line', () =>
    fails([file('rag.csv', 'a,b\n1,2\n3,4,5\n'), '-c', 'a', '-p', 'echo'], /rag\.csv: line 3/));

  it('typed answers are refused with --queue before anything is queued', () =>
    fails([reviews(), '-c', 'review', '-p', 'echo', '--fields', 'label: string', '--queue', 'redis://127.0.0.1:1'], '--queue does not carry --schema/--fields yet; run typed answers without --queue'));

  it('typed answers are refused in batch mode before anything is sent', () =>
    fails([reviews(), '-c', 'review', '-m', 'gpt-4o-mini', '--fields', 'label: string', '--mode', 'batch'], '--mode batch does not send --schema/--fields yet; run typed answers in realtime', { OPENAI_API_KEY: 'sk-test' }));

  it('batch mode and --queue are refused together', () =>
    fails([reviews(), '-c', 'review', '-m', 'gpt-4o-mini', '--mode', 'batch', '--queue', 'redis://127.0.0.1:1'], '--mode batch and --queue do not go together: batches are submitted by this process', { OPENAI_API_KEY: 'sk-test' }));

  it('unreadable file', () => fails(['nope.csv', '-c', 'a', '-p', 'echo'], /cannot read 'nope\.csv'.*no such file/));

  it('unsupported format', () =>
    fails([reviews(), '-c', 'review', '-p', 'echo', '--input-format', 'xlsx'], /unsupported format 'xlsx' for --input-format/));

  it('unknown extension asks for a format flag', () => fails([file('data.xyz', 'a\n1\n'), '-c', 'a', '-p', 'echo'], /data\.xyz.*--input-format/));

  it('missing API key names the variable', () =>
    fails([reviews(), '-c', 'review', '-m', 'gpt-4o-mini'], 'missing API key: set OPENAI_API_KEY for --provider openai (or name another variable with --api-key-env)'));

  it('missing Anthropic key names the variable', () =>
    fails([reviews(), '-c', 'review', '-m', 'claude', '-p', 'anthropic'], /missing API key: set ANTHROPIC_API_KEY/));

  it('--api-key-env naming an unset variable', () =>
    fails([reviews(), '-c', 'review', '-m', 'x', '--api-key-env', 'NOPE_KEY'], /NOPE_KEY.*is not set/));

  it('missing model', () => fails([reviews(), '-c', 'review'], /missing --model/));

  it('-j 0 and -j abc', async () => {
    await fails([reviews(), '-c', 'review', '-p', 'echo', '-j', '0'], "expected --concurrency to be a whole number from 1 to 10000, got '0'");
    await fails([reviews(), '-c', 'review', '-p', 'echo', '-j', 'abc'], "expected --concurrency to be a whole number from 1 to 10000, got 'abc'");
  });

  it('--temperature 9', () =>
    fails([reviews(), '-c', 'review', '-p', 'echo', '--temperature', '9'], "expected --temperature to be a number from 0 to 2, got '9'"));

  it('unknown provider', () =>
    fails([reviews(), '-c', 'review', '-p', 'gpt'], "unknown provider 'gpt'; providers are: openai, anthropic, echo, ollama, vllm, llamacpp, openrouter, groq, together, deepseek, mistral, gemini, azure"));

  it('no prompt source, and two of them', async () => {
    await fails([reviews(), '-p', 'echo'], /say what to send: -c COLUMN/);
    await fails([reviews(), '-p', 'echo', '-c', 'review', '-t', '{{review}}'], 'give only one of -c/--column, -t/--template and --template-file');
  });

  it('output column that already exists', () =>
    fails([file('r.csv', 'id,response\n1,x\n'), '-c', 'id', '-p', 'echo'], /column 'response' already exists in .*r\.csv; name the response column with --output-column/));

  it('output in a missing folder', async () => {
    const res = await runCli(['run', reviews(), '-c', 'review', '-p', 'echo', '-o', path.join(dir, 'no/such/out.csv')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^llmap: cannot write .*out\.csv.*folder .* does not exist\n$/);
  });

  it('output = input', async () => {
    const input = reviews();
    const res = await runCli(['run', input, '-c', 'review', '-p', 'echo', '-o', input]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/is the input file/);
  });

  it('unknown flag', async () => {
    const res = await runCli(['run', reviews(), '-c', 'review', '--bogus']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("unknown option '--bogus'");
  });

  it('JSONL bad line names the line', () =>
    fails([file('d.jsonl', '{"a":"x"}\n{"a":\n'), '-c', 'a', '-p', 'echo'], /d\.jsonl: line 2: not valid JSON/));

  it('corrupt Arrow file', () =>
    fails([file('d.arrow', Buffer.from('ARROW1\0\0garbage')), '-c', 'a', '-p', 'echo'], /d\.arrow: not a valid Arrow IPC/));
});

describe('edge inputs that are not errors', () => {
  it('header only: writes the header, exit 0', async () => {
    const res = await runCli(['run', file('h.csv', 'id,review\n'), '-c', 'review', '-p', 'echo', '-q']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('id,review,response\n');
  });

  it('empty file is an error naming it', async () => {
    const res = await runCli(['run', file('e.csv', ''), '-c', 'review', '-p', 'echo']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/e\.csv.*empty/);
  });

  it('a folder as the output path parent created on the fly is not needed: -o into the cwd works', async () => {
    mkdirSync(path.join(dir, 'sub'));
    const res = await runCli(['run', reviews(), '-c', 'review', '-p', 'echo', '-o', 'sub/out.csv', '-q'], { cwd: dir });
    expect(res.code).toBe(0);
    expect(existsSync(path.join(dir, 'sub/out.csv'))).toBe(true);
  });
});
