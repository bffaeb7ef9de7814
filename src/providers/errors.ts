/**
 * The one place that turns whatever the SDKs or undici throw into a `ProviderError`. Duck-typed on
 * the SDKs' error shapes, so this module never loads an SDK (`llmap --help` stays fast).
 */
import { ProviderError } from '../errors.js';
import type { RateLimitInfo } from './provider.js';
import type { HeaderSource } from './rate-limit-headers.js';

/** Where a call went and how, for messages that tell the user what to fix. */
export interface CallContext {
  /** The base URL, or the vendor's host when none was given. */
  endpoint: string;
  /** Environment variable holding the key, named in auth messages. */
  apiKeyEnv?: string;
  /** Whether an API key was sent. */
  keySent: boolean;
  /** Per-request timeout, for timeout messages. */
  timeoutMs: number;
  /** The key itself, used only to scrub it from server messages. */
  secret?: string;
  /** The vendor's rate-limit header parser, applied to error responses too. */
  rateLimit?: (headers: HeaderSource | undefined) => RateLimitInfo | undefined;
}

/** The context of one adapter: where it calls (`defaultHost` when no base URL), which key, which header parser. */
export function callContext(
  config: { baseURL?: string; apiKey?: string; timeoutMs: number },
  defaultHost: string,
  apiKeyEnv: string | undefined,
  rateLimit: CallContext['rateLimit'],
): CallContext {
  return {
    endpoint: config.baseURL ?? defaultHost,
    apiKeyEnv,
    keySent: config.apiKey !== undefined,
    timeoutMs: config.timeoutMs,
    secret: config.apiKey,
    rateLimit,
  };
}

/** Maps a thrown value to a ProviderError whose kind decides retry; messages are one line, keyless. */
export function toProviderError(err: unknown, ctx: CallContext, signal?: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  if (signal?.aborted || isAbort(err)) return new ProviderError('aborted', 'request aborted', { cause: err });
  const e = err as SdkError;
  if (typeof e?.status === 'number') return fromStatus(e, e.status, ctx);
  const code = causeCode(err);
  if (className(err) === 'APIConnectionTimeoutError' || (code !== undefined && timeoutCodes.has(code))) {
    return new ProviderError('timeout', `no answer from ${ctx.endpoint} within ${ctx.timeoutMs} ms`, { cause: err });
  }
  if (className(err) === 'APIConnectionError' || code !== undefined || isFetchFailure(err)) {
    const detail = (code && networkCodes[code]) ?? code ?? describe(err);
    return new ProviderError('network', `network error talking to ${ctx.endpoint}: ${detail}`, { cause: err });
  }
  if (e?.name === 'SyntaxError') {
    return new ProviderError('bad_response', `invalid JSON in the response from ${ctx.endpoint}`, { cause: err });
  }
  return new ProviderError('bad_request', oneLine(redact(describe(err), ctx.secret)), { cause: err });
}

/** The shape shared by openai and @anthropic-ai/sdk `APIError`s. */
interface SdkError {
  name?: string;
  message?: string;
  status?: number;
  headers?: { get(name: string): string | null };
  error?: { message?: unknown; error?: { message?: unknown } };
  requestID?: string | null;
  cause?: unknown;
  code?: unknown;
}

const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

const networkCodes: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running and the --base-url right?)',
  ECONNRESET: 'connection reset by the server',
  UND_ERR_SOCKET: 'connection closed by the server',
  EPIPE: 'connection closed by the server',
  ENOTFOUND: 'host not found (check the --base-url)',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
};

function fromStatus(e: SdkError, status: number, ctx: CallContext): ProviderError {
  const header = (name: string) => e.headers?.get?.(name) ?? undefined;
  const opts = {
    status,
    retryAfterMs: parseRetryAfter(header('retry-after-ms'), header('retry-after')),
    requestId: e.requestID ?? header('x-request-id') ?? header('request-id'),
    rateLimit: typeof e.headers?.get === 'function' ? ctx.rateLimit?.(e.headers) : undefined,
    cause: e,
  };
  if (status === 401 || status === 403) {
    // No server text here: some servers echo (part of) the key they were sent.
    return new ProviderError('auth', `authentication failed (${status}) at ${ctx.endpoint}: ${keyHint(ctx)}`, opts);
  }
  const said = oneLine(redact(serverMessage(e, status), ctx.secret));
  if (status === 429) return new ProviderError('rate_limit', `rate limited (429) by ${ctx.endpoint}: ${said}`, opts);
  if (status === 408) return new ProviderError('timeout', `request timeout (408) at ${ctx.endpoint}: ${said}`, opts);
  if (status === 409 || status >= 500) {
    return new ProviderError('server', `server error (${status}) at ${ctx.endpoint}: ${said}`, opts);
  }
  return new ProviderError('bad_request', `request rejected (${status}) by ${ctx.endpoint}: ${said}`, opts);
}

function keyHint(ctx: CallContext): string {
  if (ctx.keySent) return ctx.apiKeyEnv ? `check the API key in $${ctx.apiKeyEnv}` : 'check the API key';
  return ctx.apiKeyEnv ? `no API key was sent; set $${ctx.apiKeyEnv}` : 'no API key was sent; name its variable with --api-key-env';
}

/** The server's own error text: OpenAI `{error: {message}}` arrives as e.error, Anthropic's whole body as e.error. */
function serverMessage(e: SdkError, status: number): string {
  const inner = e.error?.message ?? e.error?.error?.message;
  if (typeof inner === 'string' && inner !== '') return inner;
  // Non-JSON bodies land in the SDK message as `${status} ${text}`.
  const text = (e.message ?? '').replace(new RegExp(`^${status}\\s*`), '');
  return text !== '' ? text : 'no error message';
}

/** `retry-after-ms` (ms) wins over `retry-after` (seconds or an HTTP date). */
export function parseRetryAfter(ms: string | undefined, after: string | undefined, now = Date.now()): number | undefined {
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  if (after === undefined || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// Failures that say the endpoint itself is wrong (no server there, no such host, a certificate that
// does not fit), not that it is busy.
const deadEndpointCodes = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO',
]);

/**
 * Whether `error` says the endpoint is wrong rather than busy: connection refused, unknown host,
 * a TLS failure, or 404 (a wrong path, such as a doubled /v1). Retried as usual, but a run where
 * every call so far failed like this will never succeed.
 */
export function deadEndpoint(error: ProviderError): boolean {
  if (error.status !== undefined) return error.status === 404;
  const code = causeCode(error.cause);
  return code !== undefined && deadEndpointCodes.has(code);
}

function isAbort(err: unknown): boolean {
  const name = (err as SdkError)?.name;
  return className(err) === 'APIUserAbortError' || name === 'AbortError';
}

function isFetchFailure(err: unknown): boolean {
  const e = err as SdkError;
  return e?.name === 'TypeError' && (e.message === 'fetch failed' || e.message === 'terminated');
}

/** The first `code` string along the cause chain (undici hides the socket error two levels down). */
function causeCode(err: unknown): string | undefined {
  let cur = err as SdkError | undefined;
  for (let depth = 0; cur && depth < 6; depth++, cur = cur.cause as SdkError | undefined) {
    if (typeof cur.code === 'string' && cur.code !== '') return cur.code;
  }
  return undefined;
}

function className(err: unknown): string | undefined {
  return (err as object | null)?.constructor?.name;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function redact(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('***') : text;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
