/**
 * The per-row hot path: one POST of a JSON body over a keep-alive undici Pool, answered as status,
 * headers and text. The SDKs' per-request work (option merging, header objects, fetch's Request and
 * Response, retries we turn off anyway) cost several times what the HTTP exchange itself costs
 * against a fast local server, so chat calls skip them; the wire format is the same.
 */
import type { Pool as PoolClass } from 'undici';
// The Pool module alone: undici's index also loads fetch, WebSocket, the cache stores and more,
// about 0.15 s of every run's start-up. test/providers/undici-pool.test.ts pins that this is
// undici's own Pool, so an upgrade that moves the file fails the tests, not a user's run.
import poolModule from 'undici/lib/dispatcher/pool.js';

const Pool: typeof PoolClass = poolModule;
import { toProviderError, type CallContext } from './errors.js';
import type { RateLimitInfo } from './provider.js';
import { AbortGroups } from '../abort-groups.js';
import type { HeaderSource } from './rate-limit-headers.js';
import { ReplyCollector, type JsonReply } from './reply-collector.js';

export type { JsonReply } from './reply-collector.js';

/** POSTs JSON to one server. */
export interface JsonTransport {
  /** Sends `body` to `path` (below the base URL's path). Throws undici's errors on network failure or abort. */
  post(path: string, body: string, signal: AbortSignal): Promise<JsonReply>;
  /** Closes the pool's connections. */
  close(): Promise<void>;
}

/** How to reach the server. */
export interface JsonTransportOptions {
  /** e.g. http://127.0.0.1:11434/v1 — its path is the prefix of every request path. */
  baseURL: string;
  /** Headers sent with every request (auth included). */
  headers: Record<string, string>;
  /** Query parameters added to every request (e.g. Azure's api-version). */
  query?: Record<string, string>;
  /** Connections kept open: the run's concurrency. */
  connections: number;
  /** No response headers, or no body bytes for this long, ends the request (a hung server). */
  timeoutMs: number;
}

/** One pool of `connections` keep-alive sockets to the base URL's origin. */
export function createJsonTransport(opts: JsonTransportOptions): JsonTransport {
  const url = new URL(opts.baseURL);
  const prefix = url.pathname.replace(/\/+$/, '');
  const search = opts.query && Object.keys(opts.query).length > 0 ? `?${new URLSearchParams(opts.query)}` : '';
  const pool = new Pool(url.origin, {
    connections: Math.max(1, opts.connections),
    // Shorter than servers' usual idle timeout (Node: 5 s) so we, not the server, drop idle sockets.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  });
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...opts.headers };
  const inFlight = new AbortGroups<ReplyCollector>();

  return {
    post(path, body, signal) {
      return new Promise<JsonReply>((resolve, reject) => {
        const collector = new ReplyCollector(resolve, reject, (c) => inFlight.remove(signal, c));
        inFlight.add(signal, collector);
        pool.dispatch({ origin: url.origin, path: prefix + path + search, method: 'POST', headers, body }, collector);
      });
    },
    close: () => pool.close(),
  };
}

/**
 * The error a non-2xx reply becomes, shaped like the SDKs' APIError (status, headers, parsed error
 * body) so one mapping in providers/errors.ts serves every adapter.
 */
export function replyError(reply: JsonReply): { status: number; headers: HeaderSource; error?: unknown; message: string } {
  let error: unknown;
  try {
    const parsed: unknown = JSON.parse(reply.text);
    // OpenAI wraps it as {error: {...}}, Anthropic as {type: 'error', error: {...}}: both keep `.error`.
    error = (parsed as { error?: unknown })?.error ?? parsed;
  } catch {
    error = undefined;
  }
  return { status: reply.status, headers: reply.headers, error, message: `${reply.status} ${reply.text.slice(0, 500)}` };
}

/**
 * One call as every adapter makes it: POST, a non-2xx reply or a thrown network error mapped to a
 * ProviderError, the rate-limit headers read, the body parsed (a bad body is a retryable error).
 */
export async function postForJson<T>(
  transport: JsonTransport,
  path: string,
  body: unknown,
  ctx: CallContext,
  signal: AbortSignal,
): Promise<{ data: T; rateLimit?: RateLimitInfo }> {
  try {
    const reply = await transport.post(path, JSON.stringify(body), signal);
    if (reply.status < 200 || reply.status > 299) throw replyError(reply);
    const rateLimit = ctx.rateLimit?.(reply.headers);
    return { data: JSON.parse(reply.text) as T, ...(rateLimit && { rateLimit }) };
  } catch (err) {
    throw toProviderError(err, ctx, signal);
  }
}
