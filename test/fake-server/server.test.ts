import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, expect, test } from 'vitest';
import { failFirst, startFakeServer, type FakeServer } from './server.js';

let server: FakeServer | undefined;
afterEach(() => server?.close());

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('OpenAI streaming parses with the real SDK into the same answer and usage', async () => {
  server = await startFakeServer();
  const client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'one two three' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish: string | null = null;
  let usage: unknown;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }

  expect(text).toBe('echo:one two three');
  expect(finish).toBe('stop');
  expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
});

test('Anthropic streaming parses with the real SDK into the final message', async () => {
  server = await startFakeServer();
  const client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
  const message = await client.messages
    .stream({ model: 'c', max_tokens: 10, system: 'sys', messages: [{ role: 'user', content: 'hello  there' }] })
    .finalMessage();

  expect(message.content).toEqual([{ type: 'text', text: 'echo:hello  there' }]);
  expect(message.stop_reason).toBe('end_turn');
  expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 2 });
});

test('embeddings are deterministic unit vectors of the asked dimension (base64 as the SDK asks)', async () => {
  server = await startFakeServer({ dimension: 4 });
  const client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const res = await client.embeddings.create({ model: 'e', input: ['a', 'b', 'a'] });
  const [a, b, a2] = res.data.map((d) => d.embedding);

  expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
  expect(a).toHaveLength(4);
  expect(a2).toEqual(a);
  expect(b).not.toEqual(a);
  expect(Math.hypot(...a)).toBeCloseTo(1, 5);
  const floats = await client.embeddings.create({ model: 'e', input: 'a', encoding_format: 'float', dimensions: 3 });
  expect(floats.data[0].embedding).toHaveLength(3);
});

test('GET /v1/models lists the configured models', async () => {
  server = await startFakeServer({ models: ['test', 'other'] });
  const body = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };

  expect(body.data.map((m) => m.id)).toEqual(['test', 'other']);
});

test('apiKey: missing or wrong keys get 401 in each vendor error shape', async () => {
  server = await startFakeServer({ apiKey: 'right' });
  const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };

  const o = await post(`${server.url}/v1/chat/completions`, chat);
  expect(o.status).toBe(401);
  expect(await o.json()).toEqual({
    error: { message: "You didn't provide an API key.", type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
  });
  const a = await post(`${server.url}/v1/messages`, chat, { 'x-api-key': 'wrong' });
  expect(a.status).toBe(401);
  expect(await a.json()).toEqual({
    type: 'error',
    error: { type: 'authentication_error', message: 'Incorrect API key provided: wrong.' },
  });
  const ok = await post(`${server.url}/v1/chat/completions`, chat, { authorization: 'Bearer right' });
  expect(ok.status).toBe(200);
});

test('a failure plan: the first 2 requests get 429 with retry-after-ms 10, then answers', async () => {
  server = await startFakeServer({ failures: [{ kind: 'rate_limit', count: 2, retryAfterMs: 10 }] });
  const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const res = await post(`${server.url}/v1/chat/completions`, chat);
    statuses.push([res.status, res.headers.get('retry-after-ms')]);
    await res.arrayBuffer();
  }

  expect(statuses).toEqual([
    [429, '10'],
    [429, '10'],
    [200, null],
  ]);
});

test('failFirst, per-request answers, and reset restarting the count', async () => {
  server = await startFakeServer({ behavior: failFirst(1, { status: 503 }) });
  const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
  expect((await post(`${server.url}/v1/chat/completions`, chat)).status).toBe(503);
  expect((await post(`${server.url}/v1/chat/completions`, chat)).status).toBe(200);

  server.reset();
  expect(server.requests).toHaveLength(0);
  expect((await post(`${server.url}/v1/chat/completions`, chat)).status).toBe(503);

  server.setBehavior((_req, n) => ({ answer: `answer ${n}`, finishReason: 'length' }));
  const body = (await (await post(`${server.url}/v1/chat/completions`, chat)).json()) as { choices: unknown[] };
  expect(body.choices[0]).toEqual({
    index: 0,
    message: { role: 'assistant', content: 'answer 2', refusal: null },
    logprobs: null,
    finish_reason: 'length',
  });
});

test('records method, path, lower-cased headers and the parsed body; record: false only calls onRequest', async () => {
  server = await startFakeServer();
  await post(`${server.url}/v1/messages?beta=true`, { a: 1 }, { 'X-Custom': 'yes' });
  const [r] = server.requests;
  expect(r).toMatchObject({ method: 'POST', path: '/v1/messages', body: { a: 1 } });
  expect(r.headers['x-custom']).toBe('yes');
  await server.close();

  const seen: unknown[] = [];
  server = await startFakeServer({ record: false, onRequest: (req) => seen.push(req.body) });
  await post(`${server.url}/v1/chat/completions`, { model: 'm', messages: [] });
  expect(server.requests).toHaveLength(0);
  expect(seen).toEqual([{ model: 'm', messages: [] }]);
});

test('the CLI prints its URL first, logs each request body, and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-server-'));
  const log = join(dir, 'requests.jsonl');
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, '--requests-log', log], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const [first] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value]);

  expect(first).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
  const url = first.replace('listening on ', '');
  const res = await post(`${url}/v1/chat/completions`, { model: 'test', messages: [{ role: 'user', content: 'hi' }] });
  expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content).toBe('echo:hi');
  expect(readFileSync(log, 'utf8')).toBe('{"model":"test","messages":[{"role":"user","content":"hi"}]}\n');

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stderr).toBe(
    'fake server stats: {"requests":1,"ok":1,"rateLimited":0,"serverErrors":0,"clientErrors":0,"resets":0,"hangs":0,"malformed":0,"empty":0}\n',
  );
});
