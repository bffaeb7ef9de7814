/**
 * The streaming adapters of `llmap ask` against the fake server: text piece by piece, the body and
 * headers `run` would send, errors worded as `run` words them, and a cut answer never passed off as
 * a whole one (the SDKs end an aborted stream silently).
 */
import { afterAll, beforeEach, beforeAll, describe, expect, test } from 'vitest';
import { failure, startFakeServer, streamGate, type FakeServer } from '../fake-server/server.js';
import { ProviderError } from '../../src/errors.js';
import { createAnthropicProvider, requestBody as anthropicRunBody } from '../../src/providers/anthropic.js';
import { streamBody as anthropicStreamBody } from '../../src/providers/anthropic-stream.js';
import { createOpenAIProvider, requestBody as openaiRunBody } from '../../src/providers/openai.js';
import { streamBody as openaiStreamBody } from '../../src/providers/openai-stream.js';
import { createStreamer } from '../../src/providers/stream-factory.js';
import type { ChatStreamer, ProviderConfig } from '../../src/providers/provider.js';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

type Kind = 'openai' | 'anthropic';
const kinds: Kind[] = ['openai', 'anthropic'];

function config(kind: Kind, extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    kind,
    model: 'm-1',
    baseURL: kind === 'openai' ? `${server.url}/v1` : server.url,
    apiKey: 'sk-stream',
    params: { maxTokens: 64 },
    concurrency: 1,
    timeoutMs: 5_000,
    ...extra,
  };
}

const never = () => new AbortController().signal;

async function collect(streamer: ChatStreamer, prompt: string, signal = never()) {
  const pieces: string[] = [];
  const result = await streamer.stream({ prompt }, (t) => void pieces.push(t), signal);
  return { pieces, result };
}

async function thrown(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a rejection');
}

describe.each(kinds)('%s streamer', (kind) => {
  test('passes the answer on piece by piece and resolves with the whole of it, finish reason and usage', async () => {
    const streamer = await createStreamer(config(kind));
    const { pieces, result } = await collect(streamer, 'one two three');
    expect(pieces).toEqual(['echo:one ', 'two ', 'three']);
    expect(result).toEqual({
      text: 'echo:one two three',
      finishReason: kind === 'openai' ? 'stop' : 'end_turn',
      usage: { inputTokens: 3, outputTokens: 3 },
    });
  });

  test('sends the body run sends, plus stream: true', async () => {
    const cfg = config(kind, { params: { temperature: 0.3, maxTokens: 20 } });
    const request = { system: 'Be brief.', prompt: 'hi' };
    if (kind === 'openai') {
      const { stream, stream_options, ...rest } = openaiStreamBody(cfg, request);
      expect({ stream, stream_options }).toEqual({ stream: true, stream_options: { include_usage: true } });
      expect(rest).toEqual(openaiRunBody(cfg, request));
    } else {
      const { stream, ...rest } = anthropicStreamBody(cfg, request);
      expect(stream).toBe(true);
      expect(rest).toEqual(anthropicRunBody(cfg, request));
    }
    await collect(await createStreamer(cfg), 'hi');
    expect(server.requests[0].body.stream).toBe(true);
  });

  test('an abort part way rejects as aborted instead of resolving with the partial answer', async () => {
    const gate = streamGate(1);
    server.setBehavior(() => ({ gate }));
    const streamer = await createStreamer(config(kind));
    const stop = new AbortController();
    const err = await thrown(streamer.stream({ prompt: 'one two' }, () => stop.abort(), stop.signal));
    gate.open();
    expect(err.kind).toBe('aborted');
  });

  test('a stream that stalls after its first text ends with a timeout error', async () => {
    const gate = streamGate(1);
    server.setBehavior(() => ({ gate }));
    // Long enough for the first piece to arrive on a loaded machine; the rest never does.
    const streamer = await createStreamer(config(kind, { timeoutMs: 1500 }));
    const pieces: string[] = [];
    const err = await thrown(streamer.stream({ prompt: 'one two' }, (t) => void pieces.push(t), never()));
    gate.open();
    expect(pieces).toEqual(['echo:one ']);
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe(`the answer from ${config(kind).baseURL} stalled: nothing arrived for 1500 ms`);
  });

  test('a server that never answers ends with the timeout error run gives', async () => {
    server.setBehavior(() => ({ hang: true }));
    const streamer = await createStreamer(config(kind, { timeoutMs: 300 }));
    const err = await thrown(collect(streamer, 'x'));
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe(`no answer from ${config(kind).baseURL} within 300 ms`);
  });

  test('an error event inside the stream is a server error (retryable), with the text the server sent', async () => {
    server.setBehavior(() => ({ streamError: { after: 1, type: kind === 'openai' ? 'server_error' : 'overloaded_error', message: 'Overloaded' } }));
    const streamer = await createStreamer(config(kind));
    const pieces: string[] = [];
    const err = await thrown(streamer.stream({ prompt: 'one two' }, (t) => void pieces.push(t), never()));
    expect(pieces).toEqual(['echo:one ']);
    expect(err.kind).toBe('server');
    expect(err.retryable).toBe(true);
    const type = kind === 'openai' ? 'server_error' : 'overloaded_error';
    expect(err.message).toBe(`error from ${config(kind).baseURL} during the answer (${type}): Overloaded`);
  });

  test('an in-stream error of a request the server refuses is not retryable', async () => {
    server.setBehavior(() => ({ streamError: { type: 'invalid_request_error', message: 'prompt too long' } }));
    const err = await thrown(collect(await createStreamer(config(kind)), 'x'));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toBe(`error from ${config(kind).baseURL} during the answer (invalid_request_error): prompt too long`);
  });

  test("an error thrown by the consumer (a closed stdout) comes back as is", async () => {
    const streamer = await createStreamer(config(kind));
    const closed = new Error('output closed');
    await expect(streamer.stream({ prompt: 'one two' }, () => Promise.reject(closed), never())).rejects.toBe(closed);
  });

  test.each([
    ['401', failure('auth')],
    ['429', failure('rate_limit', { retryAfterMs: 250 })],
    ['500', failure('server', { message: 'boom' })],
    ['400', failure('bad_request', { message: 'bad model' })],
  ])('a %s fails with the same error as run', async (_status, response) => {
    server.setBehavior(() => response);
    const cfg = config(kind);
    const streamErr = await thrown(collect(await createStreamer({ ...cfg, apiKeyEnv: 'MY_KEY' } as ProviderConfig), 'x'));
    const provider = kind === 'openai' ? createOpenAIProvider(cfg, 'MY_KEY') : createAnthropicProvider(cfg, 'MY_KEY');
    const runErr = await thrown(provider.complete({ prompt: 'x' }, never()));
    await provider.close();
    expect(streamErr.message).toBe(runErr.message);
    expect(streamErr.kind).toBe(runErr.kind);
    expect(streamErr.retryAfterMs).toBe(runErr.retryAfterMs);
  });
});

describe('headers and query', () => {
  test("OpenAI: a profile's headers, Azure's api-key header (no Authorization) and api-version query", async () => {
    const cfg = config('openai', { headers: { 'x-team': 'data' }, keyHeader: 'api-key', query: { 'api-version': '2024-10-21' } });
    await collect(await createStreamer(cfg), 'x');
    const [r] = server.requests;
    expect(r.headers['x-team']).toBe('data');
    expect(r.headers['api-key']).toBe('sk-stream');
    expect(r.headers.authorization).toBeUndefined();
    expect(r.query).toEqual({ 'api-version': '2024-10-21' });
    expect(r.path).toBe('/v1/chat/completions');
  });

  test('OpenAI: the key as a Bearer token; no key, no Authorization header', async () => {
    await collect(await createStreamer(config('openai')), 'x');
    await collect(await createStreamer(config('openai', { apiKey: undefined })), 'x');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sk-stream', undefined]);
  });

  test('Anthropic: the key in x-api-key with the API version; no key, no x-api-key header', async () => {
    await collect(await createStreamer(config('anthropic', { headers: { 'x-team': 'data' } })), 'x');
    await collect(await createStreamer(config('anthropic', { apiKey: undefined })), 'x');
    const [keyed, keyless] = server.requests;
    expect(keyed.headers['x-api-key']).toBe('sk-stream');
    expect(keyed.headers['anthropic-version']).toBe('2023-06-01');
    expect(keyed.headers['x-team']).toBe('data');
    expect(keyless.headers['x-api-key']).toBeUndefined();
    expect(keyless.headers.authorization).toBeUndefined();
  });
});

describe('echo streamer', () => {
  test('streams the prompt a word at a time', async () => {
    const streamer = await createStreamer({ ...config('openai'), kind: 'echo', model: 'echo' });
    const { pieces, result } = await collect(streamer, 'a  b c');
    expect(pieces).toEqual(['a  ', 'b ', 'c']);
    expect(result).toEqual({ text: 'a  b c', finishReason: 'stop', usage: { inputTokens: 2, outputTokens: 2 } });
  });

  test('stops at an abort', async () => {
    const streamer = await createStreamer({ ...config('openai'), kind: 'echo', model: 'echo' });
    const stop = new AbortController();
    const pieces: string[] = [];
    const err = await thrown(streamer.stream({ prompt: 'a b c' }, (t) => {
      pieces.push(t);
      stop.abort();
    }, stop.signal));
    expect(err.kind).toBe('aborted');
    expect(pieces).toEqual(['a ']);
  });
});
