/** The fake batch endpoints, driven through the vendors' own SDKs: their wire formats are the real ones. */
import OpenAI, { toFile } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, expect, test } from 'vitest';
import { startFakeServer, type FakeServer } from './server.js';

let server: FakeServer | undefined;
afterEach(() => server?.close());

const chatLine = (id: string, text: string) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: text }] } });

test('OpenAI: upload a JSONL file, create a batch, poll it to completed, read the output file (openai SDK)', async () => {
  let completeAfterMs = 3_600_000;
  server = await startFakeServer({ batches: { completeAfterMs: () => completeAfterMs, shuffleSeed: 1 } });
  const client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const lines = ['a', 'b', 'c', 'd'].map((t) => chatLine(`id-${t}`, t)).join('\n') + '\n';
  const file = await client.files.create({ file: await toFile(Buffer.from(lines), 'in.jsonl'), purpose: 'batch' });
  expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'in.jsonl', bytes: Buffer.byteLength(lines) });

  const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { llmap_batch: 'x' } });
  expect(created).toMatchObject({ object: 'batch', status: 'validating', request_counts: { total: 4, completed: 0, failed: 0 }, metadata: { llmap_batch: 'x' } });
  expect((await client.batches.retrieve(created.id)).status).toBe('in_progress');
  completeAfterMs = 0;
  const done = await client.batches.retrieve(created.id);
  expect(done).toMatchObject({ status: 'completed', request_counts: { total: 4, completed: 4, failed: 0 }, error_file_id: null });

  const output = await (await client.files.content(done.output_file_id!)).text();
  const results = output.trim().split('\n').map((l) => JSON.parse(l));
  expect(results.map((r) => r.custom_id)).not.toEqual(['id-a', 'id-b', 'id-c', 'id-d']); // shuffled
  const byId = Object.fromEntries(results.map((r) => [r.custom_id, r]));
  expect(byId['id-c']).toMatchObject({ response: { status_code: 200, body: { object: 'chat.completion', choices: [{ message: { content: 'echo:c' } }] } }, error: null });

  const list = await client.batches.list();
  expect(list.data.map((b) => b.id)).toEqual([created.id]);
  expect(server.batches.submitted).toEqual(['a', 'b', 'c', 'd']);
});

test('OpenAI: a file over the limit is refused as the API does; too many requests end the batch failed; cancel', async () => {
  server = await startFakeServer({ batches: { maxFileBytes: 100, maxRequests: 1, completeAfterMs: 10_000 } });
  const client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const big = [chatLine('1', 'x'.repeat(100))].join('\n');
  await expect(client.files.create({ file: await toFile(Buffer.from(big), 'big.jsonl'), purpose: 'batch' })).rejects.toMatchObject({ status: 400, error: { message: 'File is too large.' } });

  const two = await client.files.create({ file: await toFile(Buffer.from(chatLine('1', 'a') + '\n' + chatLine('2', 'b')), 'two.jsonl'), purpose: 'batch' }).catch(() => undefined);
  expect(two).toBeUndefined(); // 2 short lines are still over 100 bytes
  server.close();
  server = await startFakeServer({ batches: { maxRequests: 1, completeAfterMs: 10_000 } });
  const c2 = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const f2 = await c2.files.create({ file: await toFile(Buffer.from(chatLine('1', 'a') + '\n' + chatLine('2', 'b')), 'two.jsonl'), purpose: 'batch' });
  const b = await c2.batches.create({ input_file_id: f2.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const failed = await c2.batches.retrieve(b.id);
  expect(failed).toMatchObject({ status: 'failed', errors: { data: [{ code: 'too_many_tasks' }] } });
  expect(server.batches.submitted).toEqual([]);

  const f3 = await c2.files.create({ file: await toFile(Buffer.from(chatLine('1', 'a')), 'one.jsonl'), purpose: 'batch' });
  const b3 = await c2.batches.create({ input_file_id: f3.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  expect((await c2.batches.cancel(b3.id)).status).toBe('cancelling');
  const cancelled = await c2.batches.retrieve(b3.id);
  expect(cancelled).toMatchObject({ status: 'cancelled', request_counts: { total: 1, completed: 0, failed: 1 } });
  const errors = (await (await c2.files.content(cancelled.error_file_id!)).text()).trim();
  expect(JSON.parse(errors)).toMatchObject({ custom_id: '1', response: null, error: { code: 'batch_cancelled' } });
});

test('Anthropic: create a message batch, poll to ended, stream results with failed and expired lines (anthropic SDK)', async () => {
  server = await startFakeServer({ batches: { failShare: 0.5, failSeed: 3, expireFirst: 1, expiredShare: 0.25 } });
  const client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
  const requests = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((t) => ({
    custom_id: `id-${t}`,
    params: { model: 'm', max_tokens: 10, messages: [{ role: 'user' as const, content: t }] },
  }));
  const created = await client.messages.batches.create({ requests });
  expect(created).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', request_counts: { processing: 8 }, results_url: null });
  const ended = await client.messages.batches.retrieve(created.id);
  expect(ended.processing_status).toBe('ended');
  expect(ended.results_url).toBe(`${server.url}/v1/messages/batches/${created.id}/results`);
  expect(ended.request_counts.expired).toBe(2);

  const results = [];
  for await (const r of await client.messages.batches.results(created.id)) results.push(r);
  expect(results.map((r) => r.custom_id)).toEqual(requests.map((r) => r.custom_id));
  expect(results.slice(6).map((r) => r.result.type)).toEqual(['expired', 'expired']);
  const types = new Set(results.slice(0, 6).map((r) => r.result.type));
  expect(types).toEqual(new Set(['succeeded', 'errored']));
  const ok = results.find((r) => r.result.type === 'succeeded')!;
  expect(ok.result).toMatchObject({ message: { type: 'message', content: [{ type: 'text', text: `echo:${ok.custom_id.slice(3)}` }] } });
  expect(ended.request_counts.succeeded + ended.request_counts.errored).toBe(6);

  const page = await client.messages.batches.list();
  expect(page.data.map((b) => b.id)).toEqual([created.id]);
});

test('Anthropic: too many requests is a 400, an oversized body a 413', async () => {
  server = await startFakeServer({ batches: { anthropicMaxRequests: 1, anthropicMaxBytes: 400 } });
  const client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
  const req = (t: string) => ({ custom_id: t, params: { model: 'm', max_tokens: 10, messages: [{ role: 'user' as const, content: t }] } });
  await expect(client.messages.batches.create({ requests: [req('a'), req('b')] })).rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error' } } });
  await expect(client.messages.batches.create({ requests: [req('x'.repeat(500))] })).rejects.toMatchObject({ status: 413, error: { error: { type: 'request_too_large' } } });
  expect(server.batches.created).toBe(0);
});
