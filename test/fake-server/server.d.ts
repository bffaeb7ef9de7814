/** Types of the fake provider server (server.js) for TypeScript tests. */

/** One recorded request. */
export interface RecordedRequest {
  method: string;
  /** URL path without the query, e.g. '/v1/chat/completions'. */
  path: string;
  /** Query parameters of the URL, e.g. Azure's `{'api-version': '2024-10-21'}`. */
  query: Record<string, string>;
  /** Request headers, names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (the raw text if it is not JSON; undefined if empty). */
  body: any;
  /** Date.now() when the body was received. */
  time: number;
  /** Client port of the TCP connection (distinct ports = distinct connections). */
  remotePort: number | undefined;
  /** How it was answered; set once decided (a hang is decided when the server chooses not to answer). */
  outcome?: Outcome;
}

/** How a request was answered: `ok` is a normal 2xx answer from a known route. */
export type Outcome =
  | 'ok' | 'rate_limited' | 'server_error' | 'client_error' | 'reset' | 'hang' | 'malformed' | 'empty';

/** Counts of requests since start (or reset) by outcome. */
export interface FakeServerStats {
  /** Every request received. */
  requests: number;
  ok: number;
  /** 429s, from the rate limit, the fault mix or a hook. */
  rateLimited: number;
  /** 5xx answers. */
  serverErrors: number;
  /** 4xx answers other than 429 (401, 404, ...). */
  clientErrors: number;
  resets: number;
  hangs: number;
  malformed: number;
  empty: number;
}

/**
 * A seeded fault mix: request n (1-based) draws the n-th number u of mulberry32(seed); the
 * probabilities are laid out on [0, 1) in the order below, and u past them all is a normal answer.
 * Omitted kinds have probability 0; the sum must be <= 1.
 */
export interface FaultMix {
  seed: number;
  /** 429 with `retry-after` (default '1') or, when `retryAfterMs` is set, `retry-after-ms` plus a rounded-up `retry-after`. */
  rateLimit?: number;
  /** 500. */
  server?: number;
  /** Socket destroyed without an answer. */
  reset?: number;
  /** Never answered. */
  hang?: number;
  /** 200 with a truncated JSON body. */
  malformed?: number;
  /** `retry-after` of the 429s, in seconds. */
  retryAfter?: string | number;
  /** `retry-after-ms` of the 429s. */
  retryAfterMs?: number;
}

/**
 * An enforced rate limit: continuous token buckets (full at start) refilled at rpm/60 requests and
 * tpm/60 tokens per second. A POST the buckets cannot pay for gets 429 with `retry-after` (whole
 * seconds, rounded up) and `retry-after-ms`; every response carries the vendor's rate-limit headers
 * (OpenAI `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, reset as a Go duration like
 * `1s`, `6m0s`, `250ms`; Anthropic `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`,
 * reset as an RFC 3339 instant at whole seconds). A request's tokens are its prompt words plus its
 * answer words (the usage the fake reports).
 */
export interface RateLimit {
  /** Requests per minute. */
  rpm: number;
  /** Tokens per minute; unlimited when absent. */
  tpm?: number;
  /** Request bucket size; default max(1, rpm/60), about one second's worth. */
  burst?: number;
  /** Token bucket size; default max(1, tpm/60). */
  tokenBurst?: number;
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
  /** A streamed answer (`stream: true`) sends its first `gate.after` answer pieces, then waits for `gate.open()`. */
  gate?: StreamGate;
  /** A streamed answer stops after this many answer pieces: the connection is closed mid-body (outcome 'reset'). */
  cutStreamAfter?: number;
  /**
   * A streamed answer sends the vendor's in-stream error after `after` (default 0) answer pieces, then
   * ends: Anthropic `event: error` (type default overloaded_error), OpenAI `data: {"error": ...}`
   * (type default server_error). Outcome 'server_error'.
   */
  streamError?: { after?: number; type?: string; message?: string };
}

/**
 * Holds streamed answers part way (see `streamGate`). Answers stream one piece per word, e.g.
 * 'echo:hello world' as 'echo:hello ' and 'world'.
 */
export interface StreamGate {
  /** Answer pieces a stream sends before it is held. */
  readonly after: number;
  /** Resolves once a stream has sent its first `after` pieces and is held. */
  readonly reached: Promise<void>;
  /** Whether open() was called. */
  readonly isOpen: boolean;
  /** Sends the rest of every held stream; later streams pass at once. */
  open(): void;
  /** For the server: marks the gate reached; resolves when it opens. */
  hold(): Promise<void>;
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
  /** Seeded fault mix, applied when the hook and the plan return undefined. */
  faults?: FaultMix;
  /**
   * An unstated limit: at most `limit` POSTs admitted in any `windowMs` (sliding); one over it gets
   * 429 with only `retry-after` (whole seconds, rounded up), no rate-limit headers. Checked on
   * arrival, after `rateLimit`, before any hook, latency or fault.
   */
  slidingWindow?: { limit: number; windowMs: number };
  /** Enforced rate limit, checked on arrival before any hook, latency or fault. */
  rateLimit?: RateLimit;
  /** Clock of the rate limit, in ms; default Date.now (tests inject a fake one). */
  now?: () => number;
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
  /** Typed answers: how requests asking for a JSON Schema are answered (see structured.js). */
  structured?: StructuredOptions;
  /** How the batch endpoints (OpenAI Files + Batches, Anthropic Message Batches) behave. */
  batches?: BatchOptions;
}

/**
 * The batch endpoints. A batch ends at the first GET (of it, its list or its results) at least
 * `completeAfterMs` after it was created; before that it is `in_progress`. Its answers are what the
 * realtime endpoints would answer.
 */
export interface BatchOptions {
  /** Time from creation until a batch has ended; default 0 (ended at the first look). A function is asked at each look. */
  completeAfterMs?: number | (() => number);
  /** Shuffle the lines of output/error files and Anthropic results by this seed; default: request order. */
  shuffleSeed?: number;
  /** This share of first submissions of a prompt fail (OpenAI: error file line with status 500; Anthropic: `errored`); a resubmission succeeds. */
  failShare?: number;
  failSeed?: number;
  /** The first n batches created expire (OpenAI status `expired`; Anthropic results `expired`). */
  expireFirst?: number;
  /** Share of an expired batch's requests left unanswered (the last ones); default 0.5. */
  expiredShare?: number;
  /** OpenAI: more requests in a batch's file than this and the batch ends `failed` (`too_many_tasks`); default 50,000. */
  maxRequests?: number;
  /**
   * OpenAI: the enqueued limit, counted in requests (the real one is in tokens): a batch created while
   * the batches not yet ended hold more than this with it ends `failed` (`token_limit_exceeded`).
   */
  maxEnqueued?: number;
  /** OpenAI: a `purpose=batch` file upload larger than this gets 400 `File is too large.`; default 200 MB. */
  maxFileBytes?: number;
  /** Anthropic: more requests than this in one batch gets 400 invalid_request_error; default 100,000. */
  anthropicMaxRequests?: number;
  /** Anthropic: a create body larger than this gets 413 request_too_large; default 256 MB. */
  anthropicMaxBytes?: number;
}

/** What the batch endpoints saw. */
export interface FakeBatches {
  /** The prompt (last user message, or embedding input) of every request in every batch created, in order. */
  readonly submitted: string[];
  /** Batches created. */
  readonly created: number;
  /** The wire objects of every batch (as last advanced by a GET). */
  readonly batches: any[];
}

/**
 * A request with OpenAI `response_format` json_schema, an Anthropic forced tool (`tool_choice`
 * type tool), or llmap's prompt fallback (the schema after "...that matches this JSON Schema:" in
 * the system message) is answered with `conformingValue(schema, first user message)`: OpenAI as
 * `message.content` JSON text, Anthropic as a `tool_use` block's `input` with stop_reason
 * `tool_use` (prompt fallback: text, half of the answers in a ```json fence).
 */
export interface StructuredOptions {
  /**
   * Share of first answers (no assistant turn in the request yet) that do not conform, chosen by a
   * hash of the prompt and `seed`, so the same rows every run. OpenAI: a third each cut-off JSON, a
   * schema violation (first required property of the wrong type, an enum a label not listed) and
   * a refusal (`content: null`, `refusal` text); Anthropic: a violation; prompt fallback: cut-off
   * JSON or a violation.
   */
  invalid?: number;
  /** Salt of the choice of invalid answers; default 0. */
  seed?: number;
  /** Retries (requests with an assistant turn) are invalid too for the same prompts; default false (the model corrects itself). */
  invalidRetries?: boolean;
}

/** The value the fake server answers for `schema` and a prompt (deterministic). */
export function conformingValue(schema: object, prompt: string): any;
/** Whether the fake server answers a first request for this prompt invalidly under `options`. */
export function answersInvalid(prompt: string, options: StructuredOptions): boolean;

export interface FakeServer {
  /** e.g. 'http://127.0.0.1:54321' (append '/v1' for an OpenAI base URL). */
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** TCP connections accepted since start (not cleared by reset). */
  readonly connections: number;
  /** Counts by outcome since start or reset (a copy). */
  readonly stats: FakeServerStats;
  /** The batch endpoints' counters (cleared by reset). */
  batches: FakeBatches;
  /** Replaces the behaviour hook. */
  setBehavior(fn: Behavior | undefined): void;
  /** Clears recorded requests, stats and the request counter (restarting the fault sequence), refills the rate limit, restores the starting behaviour hook. */
  reset(): void;
  /** Closes the server and every open connection (hung requests included). */
  close(): Promise<void>;
}

export function startFakeServer(options?: FakeServerOptions): Promise<FakeServer>;
/** A closed gate letting a stream send its first `after` (default 1) answer pieces; use as `{gate}` in a behaviour. */
export function streamGate(after?: number): StreamGate;
/** The response of a failure kind merged with extra fields, e.g. failure('rate_limit', {retryAfterMs: 10}). */
export function failure(kind: FailureKind, extra?: FakeResponse): FakeResponse;
/** A behaviour answering the first `n` requests with `response`, then normally. */
export function failFirst(n: number, response: FakeResponse): Behavior;
/** A behaviour from a failure plan. */
export function planBehavior(plan: FailureStep[]): Behavior;

/** The mix of the issue: 10% 429, 5% 500, 2% reset, 1% hang, 1% malformed. */
export const DEFAULT_FAULT_MIX: Omit<FaultMix, 'seed'>;
/** A behaviour answering by a seeded fault mix (what the `faults` option uses). */
export function faultMix(mix: FaultMix): Behavior;
/** The n-th (1-based) draw of mulberry32(seed), in [0, 1). */
export function mulberry32At(seed: number, n: number): number;
/** Parses `429=0.1,500=0.05,reset=0.02,hang=0.01,malformed=0.01`; throws a one-line message. */
export function parseFaultMix(text: string): Omit<FaultMix, 'seed'>;
/** The verdict of a rate limiter on one request. */
export interface RateVerdict {
  ok: boolean;
  /** ms until the request would be admitted; 0 when ok. */
  waitMs: number;
  /** The vendor's rate-limit headers after the decision. */
  headers: Record<string, string>;
}

/** The limiter behind the `rateLimit` option, on an injected clock. */
export function createRateLimiter(
  limit: RateLimit,
  now: () => number,
): {
  /** Admits (and charges) a request of `costOf()` tokens, or says how long to wait. */
  admit(costOf: () => number, vendor: 'openai' | 'anthropic'): RateVerdict;
  /** The headers as the buckets stand. */
  headers(vendor: 'openai' | 'anthropic', t?: number): Record<string, string>;
  /** Refills the buckets. */
  restart(): void;
};
/** Go `time.Duration` text at ms precision, as OpenAI's reset headers: `0s`, `250ms`, `1.5s`, `6m0s`. */
export function goDuration(ms: number): string;
/** RFC 3339 UTC at whole seconds rounded up, as Anthropic's reset headers: `2024-05-01T12:00:03Z`. */
export function rfc3339Seconds(ms: number): string;
