import { afterEach, expect, test } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { createProvider } from '../../src/providers/factory.js';
import type { Provider, ProviderKind } from '../../src/providers/provider.js';

let server: FakeServer | undefined;
let provider: Provider | undefined;
afterEach(async () => {
  await provider?.close();
  await server?.close();
});

async function setUp(kind: ProviderKind, concurrency: number, latencyMs = 0) {
  server = await startFakeServer({ latencyMs });
  provider = await createProvider({
    kind,
    model: 'm',
    baseURL: kind === 'openai' ? `${server.url}/v1` : server.url,
    apiKey: 'k',
    params: {},
    concurrency,
    timeoutMs: 5_000,
  });
  return { server, provider };
}

const distinctPorts = (s: FakeServer) => new Set(s.requests.map((r) => r.remotePort)).size;

test.each(['openai', 'anthropic'] as const)('%s: sequential calls reuse one keep-alive connection', async (kind) => {
  const { server, provider } = await setUp(kind, 4);
  for (let i = 0; i < 5; i++) {
    await provider.complete({ prompt: `row ${i}` }, new AbortController().signal);
    // undici frees a socket for the next request one event-loop turn after the body is read.
    await new Promise(setImmediate);
  }

  expect(server.requests).toHaveLength(5);
  expect(server.connections).toBe(1);
  expect(distinctPorts(server)).toBe(1);
});

test('back-to-back calls alternate between at most two warm sockets', async () => {
  // Without a turn between calls the last socket is not yet freed, so undici takes a second one.
  const { server, provider } = await setUp('openai', 4);
  for (let i = 0; i < 10; i++) await provider.complete({ prompt: `row ${i}` }, new AbortController().signal);

  expect(server.requests).toHaveLength(10);
  expect(server.connections).toBeLessThanOrEqual(2);
});

test('concurrent calls open no more connections than the concurrency', async () => {
  // The latency keeps calls overlapping, so an unbounded pool would open one socket per call.
  const { server, provider } = await setUp('openai', 2, 20);
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) => provider.complete({ prompt: `row ${i}` }, new AbortController().signal)),
  );

  expect(answers.map((a) => a.text)).toEqual(Array.from({ length: 8 }, (_, i) => `echo:row ${i}`));
  expect(server.connections).toBeLessThanOrEqual(2);
  expect(distinctPorts(server)).toBeLessThanOrEqual(2);
});
