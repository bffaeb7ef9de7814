import { expect, test } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { defaultRetryPolicy } from '../../src/engine/retry.js';
import { streamWithRetry, type StreamRetry } from '../../src/engine/stream-with-retry.js';
import type { ChatResult, ChatStreamer, DeltaHandler } from '../../src/providers/provider.js';

/** A streamer whose n-th call (1-based) runs `script[n - 1]`. */
function scripted(script: Array<(onDelta: DeltaHandler, signal: AbortSignal) => Promise<ChatResult>>) {
  let calls = 0;
  const streamer: ChatStreamer = {
    id: 'openai',
    model: 'm',
    stream: (_req, onDelta, signal) => script[calls++](onDelta, signal),
    close: async () => {},
  };
  return { streamer, calls: () => calls };
}

const ok = (text: string) => async (onDelta: DeltaHandler): Promise<ChatResult> => {
  await onDelta(text);
  return { text, finishReason: 'stop', usage: {} };
};
const fail = (kind: ProviderError['kind'], status?: number) => async (): Promise<ChatResult> => {
  throw new ProviderError(kind, `${kind} failure`, { status });
};
const failAfter = (text: string) => async (onDelta: DeltaHandler): Promise<ChatResult> => {
  await onDelta(text);
  throw new ProviderError('network', 'connection reset by the server');
};

const policy = defaultRetryPolicy({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, random: () => 0 });
const run = (streamer: ChatStreamer, retries: StreamRetry[] = [], signal = new AbortController().signal) => {
  const out: string[] = [];
  const done = streamWithRetry(streamer, { prompt: 'p' }, (t) => void out.push(t), { retry: policy, signal, onRetry: (e) => retries.push(e) });
  return { out, done };
};

test('retries retryable failures before any text, then succeeds', async () => {
  const s = scripted([fail('rate_limit', 429), fail('server', 500), ok('answer')]);
  const retries: StreamRetry[] = [];
  const { out, done } = run(s.streamer, retries);
  const outcome = await done;
  expect(outcome).toMatchObject({ result: { text: 'answer' }, attempts: 3 });
  expect(out).toEqual(['answer']);
  expect(retries.map((r) => [r.attempt, r.error.kind])).toEqual([[1, 'rate_limit'], [2, 'server']]);
});

test('a failure after text has been passed on is final and marked partial', async () => {
  const s = scripted([failAfter('half'), ok('never')]);
  const { out, done } = run(s.streamer);
  expect(await done).toMatchObject({ error: { kind: 'network' }, attempts: 1, partial: true });
  expect(out).toEqual(['half']);
  expect(s.calls()).toBe(1);
});

test('auth and bad requests are not retried', async () => {
  for (const kind of ['auth', 'bad_request'] as const) {
    const s = scripted([fail(kind, 401), ok('never')]);
    expect(await run(s.streamer).done).toMatchObject({ error: { kind }, attempts: 1, partial: false });
    expect(s.calls()).toBe(1);
  }
});

test('gives up after maxAttempts', async () => {
  const s = scripted([fail('server'), fail('server'), fail('server'), ok('never')]);
  expect(await run(s.streamer).done).toMatchObject({ error: { kind: 'server' }, attempts: 3, partial: false });
});

test('an abort ends the loop without another attempt', async () => {
  const stop = new AbortController();
  const s = scripted([
    async () => {
      stop.abort();
      throw new ProviderError('network', 'socket closed');
    },
    ok('never'),
  ]);
  expect(await run(s.streamer, [], stop.signal).done).toMatchObject({ error: { kind: 'aborted' }, attempts: 1 });
  expect(s.calls()).toBe(1);
});

test("the consumer's own error is rethrown, not retried", async () => {
  const closed = new Error('output closed');
  const s = scripted([
    async () => {
      throw closed;
    },
  ]);
  await expect(run(s.streamer).done).rejects.toBe(closed);
});
