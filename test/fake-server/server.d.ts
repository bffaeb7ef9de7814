/** Types of the fake provider server (server.js) for TypeScript tests. */

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  /** URL path without the query, e.g. '/v1/chat/completions'. */
  path: string;
  /** Request headers, names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (the raw text if it is not JSON; undefined if empty). */
  body: any;
  /** Date.now() when the body was received. */
  time: number;
  /** Client port of the TCP connection (distinct ports = distinct connections). */
  remotePort: number | undefined;
}

/** What a behaviour hook returns for one request; undefined = answer normally. */
export interface FakeResponse {
  /** Answer with this HTTP error status (body in the vendor's error shape unless `body` is given). */
  status?: number;
  /** `retry-after` header (seconds or an HTTP date). */
  retryAfter?: string | number;
  /** `retry-after-ms` header. */
  retryAfterMs?: string | number;
  /** Body to send as is (object → JSON, string → raw), with `status` or 200; for errors, instead of the vendor's error body. */
  body?: unknown;
  /** Error message inside the vendor-shaped error body. */
  message?: string;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Never answer (until the client gives up or the server closes). */
  hang?: boolean;
  /** 200 with a truncated, invalid JSON body. */
  malformed?: boolean;
  /** 200 with an empty body. */
  empty?: boolean;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Delay before answering, overriding latencyMs / latency. */
  delayMs?: number;
  /** Answer text for a successful response, overriding `answer`. */
  answer?: string;
  /** finish_reason (OpenAI) / stop_reason (Anthropic) for a successful response. */
  finishReason?: string;
}

/** Decides how to answer request number `n` (1-based since start or reset). */
export type Behavior = (req: RecordedRequest, n: number) => FakeResponse | undefined;

/** Failure kinds usable in `failures` and `failure()`. */
export type FailureKind =
  | 'rate_limit' | 'server' | 'unavailable' | 'overloaded' | 'timeout' | 'bad_request' | 'auth'
  | 'forbidden' | 'not_found' | 'reset' | 'hang' | 'malformed' | 'empty' | number;

/** One step of a failure plan: `count` requests in a row fail with `kind`. */
export type FailureStep = { kind: FailureKind; count: number } & FakeResponse;

export interface FakeServerOptions {
  /** Port to listen on; 0 (default) = ephemeral. */
  port?: number;
  /** Host to listen on; default 127.0.0.1. */
  host?: string;
  /** Fixed delay before each answer, in ms. */
  latencyMs?: number;
  /** Delay per request, in ms (e.g. random, for ordering tests); wins over latencyMs. */
  latency?: (req: RecordedRequest, n: number) => number;
  /** Per-request behaviour hook (also settable with setBehavior). */
  behavior?: Behavior;
  /** Failure plan applied when the behaviour hook returns undefined. */
  failures?: FailureStep[];
  /** Answer text from the request body; default `echo:` + the last user message text. */
  answer?: (body: any) => string;
  /** When set, requests without `Authorization: Bearer <key>` / `x-api-key: <key>` get 401. */
  apiKey?: string;
  /** Embedding dimension when the request does not set `dimensions`; default 8. */
  dimension?: number;
  /** Model ids listed by GET /v1/models; default ['test']. */
  models?: string[];
  /** Record requests in `requests`; default true. */
  record?: boolean;
  /** Called with every request as it arrives (even when record is false). */
  onRequest?: (req: RecordedRequest) => void;
}

export interface FakeServer {
  /** e.g. 'http://127.0.0.1:54321' (append '/v1' for an OpenAI base URL). */
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** TCP connections accepted since start (not cleared by reset). */
  readonly connections: number;
  /** Replaces the behaviour hook. */
  setBehavior(fn: Behavior | undefined): void;
  /** Clears recorded requests and the request counter; restores the starting behaviour hook. */
  reset(): void;
  /** Closes the server and every open connection (hung requests included). */
  close(): Promise<void>;
}

export function startFakeServer(options?: FakeServerOptions): Promise<FakeServer>;
/** The response of a failure kind merged with extra fields, e.g. failure('rate_limit', {retryAfterMs: 10}). */
export function failure(kind: FailureKind, extra?: FakeResponse): FakeResponse;
/** A behaviour answering the first `n` requests with `response`, then normally. */
export function failFirst(n: number, response: FakeResponse): Behavior;
/** A behaviour from a failure plan. */
export function planBehavior(plan: FailureStep[]): Behavior;
