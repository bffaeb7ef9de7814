// `llmap embed` through the built CLI against the fake server: what is sent (batches, in order),
// what is written in each format, what the cache saves, and the exact messages.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { embeddings } from '../fake-server/openai.js';
import { failFirst, failure } from '../fake-server/server.js';
import { BIN, baseEnv, runCli, type CliResult } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

const sent = () => server.requests.filter((r) => r.path === '/v1/embeddings');
const inputsSent = () => sent().map((r) => r.body.input as string[]);

/** The vector the fake server answers for `text` (dimension 8, float32 as it travels in base64). */
function fakeVector(text: string): number[] {
  const [item] = embeddings({ model: 'test', input: [text], encoding_format: 'base64' }, 8).data;
  const bytes = Buffer.from(item.embedding as string, 'base64');
  return [...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)];
}

/** A JSON array from the output, each value widened back to the float32 it stands for. */
function float32s(values: number[]): number[] {
  return values.map((v) => Math.fround(v));
}

function llmap(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: { XDG_CONFIG_HOME: path.join(dir, 'config-home'), ...env } });
}

function embedArgs(input: string, ...more: string[]): string[] {
  return ['embed', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--cache-dir', path.join(dir, 'cache'), ...more];
}

function writeCsv(name: string, texts: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, 'id,text\n' + texts.map((t, i) => `${i + 1},${t}`).join('\n') + '\n');
  return file;
}

const manyTexts = (n: number) => Array.from({ length: n }, (_, i) => `text number ${i + 1}`);

describe('llmap embed: batching and caching', () => {
  it('250 rows at --batch-size 100 go as 3 requests of 100, 100 and 50 texts, in input order', async () => {
    const texts = manyTexts(250);
    const res = await llmap(embedArgs(writeCsv('in.csv', texts), '--batch-size', '100', '-o', 'out.csv', '-q'));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const batches = inputsSent();
    expect(batches.map((b) => b.length).sort((a, b) => b - a)).toEqual([100, 100, 50]);
    // Sent concurrently, so arrival order may vary; each batch holds consecutive rows in order.
    expect(batches.sort((a, b) => texts.indexOf(a[0]) - texts.indexOf(b[0])).flat()).toEqual(texts);
    expect(sent()[0].body).toMatchObject({ model: 'test', encoding_format: 'base64' });
    expect(sent()[0].body.dimensions).toBeUndefined();
    const rows = parse(readFileSync(path.join(dir, 'out.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.text)).toEqual(texts);
    for (const row of rows) expect(float32s(JSON.parse(row.embedding))).toEqual(fakeVector(row.text));
  });

  it('the default batch size is 100', async () => {
    const res = await llmap(embedArgs(writeCsv('in.csv', manyTexts(101)), '-o', 'out.csv', '-q'));
    expect(res.code).toBe(0);
    expect(inputsSent().map((b) => b.length).sort((a, b) => a - b)).toEqual([1, 100]);
  });

  it('a re-run sends nothing, and a new row sends only its own text', async () => {
    const texts = manyTexts(30);
    const input = writeCsv('in.csv', texts);
    expect((await llmap(embedArgs(input, '-o', 'first.csv', '-q'))).code).toBe(0);
    expect(sent()).toHaveLength(1);
    server.reset();
    const again = await llmap(embedArgs(input, '-o', 'second.csv', '--report', 'report.json'));
    expect(again.code).toBe(0);
    expect(sent()).toHaveLength(0);
    expect(readFileSync(path.join(dir, 'second.csv'), 'utf8')).toBe(readFileSync(path.join(dir, 'first.csv'), 'utf8'));
    expect(again.stderr).toMatch(/^llmap: 30 rows in .*: 0 sent, 30 cached, 0 skipped, 0 failed/m);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report.rows).toEqual({ total: 30, sent: 0, cached: 30, skipped: 0, failed: 0 });
    expect(report.requests).toBe(0);

    server.reset();
    const grown = await llmap(embedArgs(writeCsv('in.csv', [...texts, 'a brand new text']), '-o', 'third.csv', '-q'));
    expect(grown.code).toBe(0);
    expect(inputsSent()).toEqual([['a brand new text']]);
  });

  it('identical texts are sent once; their rows all get the vector', async () => {
    const res = await llmap(embedArgs(writeCsv('in.csv', ['same', 'other', 'same', 'same']), '-o', 'out.jsonl', '-q'));
    expect(res.code).toBe(0);
    expect(inputsSent()).toEqual([['same', 'other']]);
    const rows = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => float32s(r.embedding))).toEqual([fakeVector('same'), fakeVector('other'), fakeVector('same'), fakeVector('same')]);
  });

  it('--dimensions is sent and is part of the cache key', async () => {
    const input = writeCsv('in.csv', ['alpha']);
    expect((await llmap(embedArgs(input, '--dimensions', '4', '-o', 'four.jsonl', '-q'))).code).toBe(0);
    expect(sent().map((r) => r.body.dimensions)).toEqual([4]);
    expect(JSON.parse(readFileSync(path.join(dir, 'four.jsonl'), 'utf8')).embedding).toHaveLength(4);
    expect((await llmap(embedArgs(input, '--dimensions', '6', '-o', 'six.jsonl', '-q'))).code).toBe(0);
    expect(sent().map((r) => r.body.dimensions)).toEqual([4, 6]);
  });

  it('429 and 500 answers are retried, and the report counts them', async () => {
    server.setBehavior(failFirst(2, failure('rate_limit', { retryAfterMs: 5 })));
    const res = await llmap(embedArgs(writeCsv('in.csv', ['a', 'b', 'c']), '-o', 'out.csv', '--report', 'r.json', '-q'));
    expect(res.code).toBe(0);
    expect(sent().map((r) => r.outcome)).toEqual(['rate_limited', 'rate_limited', 'ok']);
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(report).toMatchObject({ requests: 3, retries: 2, rateLimited: 2, rows: { total: 3, sent: 3, cached: 0, skipped: 0, failed: 0 } });
    expect(report.run).toMatchObject({ command: 'embed', batchSize: 100, model: 'test' });

    server.reset();
    server.setBehavior(failFirst(1, failure('server')));
    const again = await llmap(embedArgs(writeCsv('in2.csv', ['d']), '-o', 'out2.csv', '-q'));
    expect(again.code).toBe(0);
    expect(sent().map((r) => r.outcome)).toEqual(['server_error', 'ok']);
  });

  it('a batch that keeps failing fails its rows (exit 2); the re-run sends only those', async () => {
    const input = writeCsv('in.csv', ['ok one', 'bad one']);
    server.setBehavior((req) => (req.body?.input?.includes('bad one') ? failure('bad_request', { message: 'nope' }) : undefined));
    const res = await llmap(embedArgs(input, '--batch-size', '1', '-o', 'out.jsonl', '--report', 'r.json', '-q'));
    expect(res.code).toBe(2);
    const rows = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.embedding === null)).toEqual([false, true]);
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(report.rows).toEqual({ total: 2, sent: 1, cached: 0, skipped: 0, failed: 1 });
    expect(report.errors[0].message).toMatch(/^request rejected \(400\) by .*: nope$/);
    server.reset();
    expect((await llmap(embedArgs(input, '--batch-size', '1', '-o', 'out.jsonl', '-q'))).code).toBe(0);
    expect(inputsSent()).toEqual([['bad one']]);
  });
});

describe('llmap embed: output types', () => {
  it('CSV: the vector is a JSON array string; an empty cell gets an empty cell and is not sent', async () => {
    const res = await llmap(embedArgs(writeCsv('in.csv', ['hello', '', '  ', 'world']), '--report', 'r.json', '-q'));
    expect(res.code).toBe(0);
    expect(inputsSent()).toEqual([['hello', 'world']]);
    const rows = parse(res.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0])).toEqual(['id', 'text', 'embedding']);
    expect(rows.map((r) => r.embedding === '')).toEqual([false, true, true, false]);
    expect(rows[0].embedding).toMatch(/^\[-?[0-9.e-]+(,-?[0-9.e-]+){7}\]$/);
    expect(float32s(JSON.parse(rows[0].embedding))).toEqual(fakeVector('hello'));
    expect(float32s(JSON.parse(rows[3].embedding))).toEqual(fakeVector('world'));
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(report.rows).toEqual({ total: 4, sent: 2, cached: 0, skipped: 2, failed: 0 });
  });

  it('JSONL: the vector is a JSON array of numbers, null for an empty cell; input values keep their types', async () => {
    const input = path.join(dir, 'in.jsonl');
    writeFileSync(input, '{"id":1,"text":"hello"}\n{"id":2,"text":null}\n{"id":3,"text":"world"}\n');
    const res = await llmap(embedArgs(input, '-o', 'out.jsonl', '-q'));
    expect(res.code).toBe(0);
    const lines = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => Object.keys(l))).toEqual([['id', 'text', 'embedding'], ['id', 'text', 'embedding'], ['id', 'text', 'embedding']]);
    expect(lines[0].id).toBe(1);
    expect(float32s(lines[0].embedding)).toEqual(fakeVector('hello'));
    expect(lines[1].embedding).toBeNull();
    expect(float32s(lines[2].embedding)).toEqual(fakeVector('world'));
  });

  it('Arrow: the column is FixedSizeList<Float32> of listSize 8 with the exact vectors, null for an empty cell', async () => {
    const res = await llmap(embedArgs(writeCsv('in.csv', ['', 'hello', 'world']), '-o', 'out.arrow', '-q'));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const table = tableFromIPC(readFileSync(path.join(dir, 'out.arrow')));
    const field = table.schema.fields[2];
    expect(field.name).toBe('embedding');
    expect(String(field.type)).toBe('FixedSizeList[8]<Float32>');
    expect((field.type as { listSize: number }).listSize).toBe(8);
    const column = [...table.getChild('embedding')!].map((v) => (v === null ? null : [...(v.toArray() as Float32Array)]));
    expect(column).toEqual([null, fakeVector('hello'), fakeVector('world')]);
  });

  it('--output-column names the vector column', async () => {
    const res = await llmap(embedArgs(writeCsv('in.csv', ['hello']), '--output-column', 'vec', '-q'));
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n')[0]).toBe('id,text,vec');
  });

  it('the echo provider embeds offline with a deterministic vector', async () => {
    const input = writeCsv('in.csv', ['hello', 'hello']);
    const res = await llmap(['embed', input, '-c', 'text', '-p', 'echo', '--no-cache', '--output-format', 'jsonl', '-q']);
    expect(res.code).toBe(0);
    const [a, b] = res.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).embedding);
    expect(a).toHaveLength(8);
    expect(a).toEqual(b);
  });
});

describe('llmap embed: messages', () => {
  it('a missing column names the file and its columns', async () => {
    const input = writeCsv('in.csv', ['hello']);
    const res = await llmap(['embed', input, '-c', 'txt', '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache']);
    expect(res.stderr).toBe(`llmap: column 'txt' not found in ${input}; columns are: id, text\n`);
    expect(res.code).toBe(1);
    expect(sent()).toHaveLength(0);
  });

  it('Anthropic is refused: it has no embeddings endpoint', async () => {
    const res = await llmap(['embed', writeCsv('in.csv', ['hello']), '-c', 'text', '-p', 'anthropic', '-m', 'claude-3-5-haiku-latest']);
    expect(res.stderr).toBe(
      'llmap: Anthropic has no embeddings endpoint; embed with -p openai or an OpenAI-compatible provider (see llmap providers)\n',
    );
    expect(res.code).toBe(1);
  });

  it('-c and -m are asked for with embedding examples', async () => {
    const input = writeCsv('in.csv', ['hello']);
    expect((await llmap(['embed', input, '-m', 'test'])).stderr).toBe('llmap: say which column to embed: -c COLUMN\n');
    expect((await llmap(['embed', input, '-c', 'text'])).stderr).toBe(
      'llmap: missing --model: name the embedding model, e.g. -m text-embedding-3-small\n',
    );
  });

  it('an output column that exists already is refused', async () => {
    const res = await llmap(embedArgs(writeCsv('in.csv', ['hello']), '--output-column', 'text'));
    expect(res.stderr).toBe(`llmap: column 'text' already exists in ${path.join(dir, 'in.csv')}; name the embedding column with --output-column\n`);
    expect(res.code).toBe(1);
  });

  it('--batch-size and --dimensions are validated', async () => {
    const input = writeCsv('in.csv', ['hello']);
    expect((await llmap(embedArgs(input, '--batch-size', '0'))).stderr).toBe("llmap: expected --batch-size to be a whole number from 1 to 100000, got '0'\n");
    expect((await llmap(embedArgs(input, '--dimensions', 'x'))).stderr).toBe("llmap: expected --dimensions to be a whole number from 1 to 1000000, got 'x'\n");
  });
});

describe('llmap embed: interrupts', () => {
  it('first Ctrl-C lets the batches in flight finish and caches them; the finished prefix is kept as .partial (exit 130)', async () => {
    const texts = manyTexts(40);
    const input = writeCsv('in.csv', texts);
    const out = path.join(dir, 'out.csv');
    server.setBehavior(() => ({ delayMs: 400 }));
    const child = spawn(process.execPath, [BIN, ...embedArgs(input, '--batch-size', '10', '-j', '2', '-o', out)], { cwd: dir, env: baseEnv() });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (sent().length < 2) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(inputsSent().flat().sort()).toEqual(texts.slice(0, 20).sort()); // nothing new after the signal
    expect(stderr).toContain('SIGINT: starting no new calls');
    expect(existsSync(out)).toBe(false);
    const partial = parse(readFileSync(`${out}.partial`), { columns: true }) as Array<Record<string, string>>;
    expect(partial.map((r) => r.text)).toEqual(texts.slice(0, 20));

    server.reset();
    expect((await llmap(embedArgs(input, '--batch-size', '10', '-o', out, '-q'))).code).toBe(0);
    expect(inputsSent().flat()).toHaveLength(20);
  });
});
