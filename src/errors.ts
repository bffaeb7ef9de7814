/**
 * The user-facing error types. Every error a user may see is one of these; `cli/` maps them to exit
 * codes and prints `message` as one line (the stack only with --verbose / DEBUG).
 */
import type { RateLimitInfo } from './providers/provider.js';

/** A problem the user must fix before the run can start or go on: bad flag, bad input, missing key. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Input that cannot be read as the table it claims to be. The message names file, line/row and column. */
export class InputError extends Error {
  override name = 'InputError';
}

/** What kind of failure a provider call ended in; decides retry and whether the run goes on. */
export type ProviderErrorKind =
  | 'rate_limit' // 429
  | 'timeout' // per-request timeout or 408
  | 'server' // 5xx, 409
  | 'network' // connection reset, refused, DNS
  | 'bad_response' // malformed or empty body
  | 'auth' // 401/403: fatal for the whole run
  | 'bad_request' // other 4xx: fails the row, no retry
  | 'aborted'; // the run was cancelled

/** A failed provider call, carrying what the retry policy needs. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  /** Failure class. */
  readonly kind: ProviderErrorKind;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** Server-requested delay before the next attempt (retry-after-ms / retry-after), in ms. */
  readonly retryAfterMs?: number;
  /** Provider request id, for support tickets. */
  readonly requestId?: string;
  /** Rate limits stated by the error response's headers (a 429 usually says how long to wait). */
  readonly rateLimit?: RateLimitInfo;
  /** The run judged that no further call can succeed (an endpoint that never answered right). */
  readonly stopsRun: boolean;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    opts: { status?: number; retryAfterMs?: number; requestId?: string; rateLimit?: RateLimitInfo; cause?: unknown; stopsRun?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.requestId = opts.requestId;
    if (opts.rateLimit !== undefined) this.rateLimit = opts.rateLimit;
    this.stopsRun = opts.stopsRun ?? false;
  }

  /** Whether another attempt may succeed. */
  get retryable(): boolean {
    return (
      this.kind === 'rate_limit' ||
      this.kind === 'timeout' ||
      this.kind === 'server' ||
      this.kind === 'network' ||
      this.kind === 'bad_response'
    );
  }

  /** Whether the whole run must stop (every further row would fail the same way). */
  get fatal(): boolean {
    return this.kind === 'auth' || this.stopsRun;
  }
}

/** Short text for an unknown thrown value, never a stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The reader of our stdout went away (EPIPE, e.g. `| head`): a normal end, not a failure. */
export class OutputClosedError extends Error {
  override name = 'OutputClosedError';
  constructor() {
    super('output closed by the reader');
  }
}
