import { afterEach, expect, test } from 'vitest';
import { startFakeServer, streamGate, type FakeServer } from './server.js';

let server: FakeServer | undefined;
afterEach(() => server?.close());

const chat = { model: 'm', messages: [{ role: 'user', content: 'one two three' }], stream: true };

/** Reads a fetch body until `text` has arrived; returns everything read so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, sofar: { text: string }, text: string): Promise<string> {
  const decoder = new TextDecoder();
  while (!sofar.text.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before '${text}'; got: ${sofar.text}`);
    sofar.text += decoder.decode(value, { stream: true });
  }
  return sofar.text;
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>, sofar: { text: string }): Promise<string> {
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return sofar.text;
    sofar.text += decoder.decode(value, { stream: true });
  }
}

test('a gate holds an OpenAI stream after its first answer piece until opened', async () => {
  const gate = streamGate(1);
  server = await startFakeServer({ behavior: () => ({ gate }) });
  const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
  const reader = res.body!.getReader();
  const sofar = { text: '' };
  await gate.reached;
  const early = await readUntil(reader, sofar, '"content":"echo:one "');
  expect(early).not.toContain('"content":"two "');
  expect(early).not.toContain('[DONE]');
  gate.open();
  const all = await readAll(reader, sofar);
  expect(all).toContain('"content":"two "');
  expect(all.endsWith('data: [DONE]\n\n')).toBe(true);
  expect(server.stats.ok).toBe(1);
});

test('a gate after two pieces holds an Anthropic stream before the third, and an open gate lets later streams pass', async () => {
  const gate = streamGate(2);
  server = await startFakeServer({ behavior: () => ({ gate }) });
  const post = () => fetch(`${server!.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ ...chat, max_tokens: 5 }) });
  const reader = (await post()).body!.getReader();
  const sofar = { text: '' };
  const early = await readUntil(reader, sofar, '"text":"two "');
  expect(early).toContain('"text":"echo:one "');
  expect(early).not.toContain('"text":"three"');
  expect(early).not.toContain('content_block_stop');
  gate.open();
  expect(await readAll(reader, sofar)).toContain('event: message_stop');
  const later = await (await post()).text();
  expect(later).toContain('event: message_stop');
});

test('cutStreamAfter closes the connection mid-body after that many pieces', async () => {
  server = await startFakeServer({ behavior: () => ({ cutStreamAfter: 1 }) });
  const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
  const reader = res.body!.getReader();
  const sofar = { text: '' };
  await expect(readAll(reader, sofar)).rejects.toThrow();
  expect(sofar.text).toContain('"content":"echo:one "');
  expect(sofar.text).not.toContain('"content":"two "');
  expect(server.stats.resets).toBe(1);
});

test('the query string of a request is recorded', async () => {
  server = await startFakeServer();
  await fetch(`${server.url}/v1/chat/completions?api-version=2024-10-21`, { method: 'POST', body: JSON.stringify({ ...chat, stream: false }) });
  expect(server.requests[0].query).toEqual({ 'api-version': '2024-10-21' });
  expect(server.requests[0].path).toBe('/v1/chat/completions');
});
