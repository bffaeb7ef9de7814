/**
 * The provider seam: one object per run and profile, holding one SDK client and one keep-alive
 * connection pool, called once per row. Adapters never retry (the engine does, in one place).
 */

/** Generation parameters; every field that is set is part of the cache key. */
export interface GenerationParams {
  temperature?: number;
  maxTokens?: number;
}

/** One chat completion request: the rendered prompt of one row. */
export interface ChatRequest {
  /** System message, if any. */
  system?: string;
  /** The user message. */
  prompt: string;
  /** Ask for JSON matching a schema through the provider's structured-output feature. */
  structured?: StructuredOutput;
  /** A retry of an invalid typed answer: that answer as the assistant's turn, then the error as the user's. */
  correction?: Correction;
}

/** A schema the answer must match, sent the provider's native way (OpenAI response_format, Anthropic forced tool). */
export interface StructuredOutput {
  /** Name of the schema (OpenAI json_schema.name) or of the tool (Anthropic). */
  name: string;
  /** The JSON Schema as sent: OpenAI's strict form when the schema has one. */
  schema: Record<string, unknown>;
  /** OpenAI `strict`: whether the schema is in strict mode's subset. */
  strict: boolean;
}

/** The follow-up turn of a retry after an invalid answer. */
export interface Correction {
  /** The invalid answer's text (Anthropic: its tool input as JSON). */
  answer: string;
  /** Anthropic: the id of the tool_use block the answer came in, answered with an error tool_result. */
  toolUseId?: string;
  /** The user's turn: what was wrong and what to do. */
  message: string;
}

/** Token counts reported by the provider (absent when it reports none). */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}

/** One limit as a provider's response headers state it. */
export interface RateLimitWindow {
  /** Allowed per period (most state requests and tokens per minute; see periodMs). */
  limit?: number;
  /** Left in the current period, as the server counted when it admitted the request. */
  remaining?: number;
  /** Time until the limit is fully replenished, in ms from when the response arrived. */
  resetMs?: number;
  /** The period `limit` is counted over, in ms (absent: a minute). Groq counts requests per day. */
  periodMs?: number;
}

/** The rate limits a response's headers stated; absent parts were not sent. */
export interface RateLimitInfo {
  requests?: RateLimitWindow;
  /** Tokens (input and output together; Anthropic: its combined limit, else its input-token limit). */
  tokens?: RateLimitWindow;
}

/** What a successful call returns. */
export interface ChatResult {
  text: string;
  /** The provider's finish/stop reason as it names it ('stop', 'length', 'end_turn', ...). */
  finishReason: string | null;
  usage: Usage;
  /** Rate limits stated by the response headers, when the provider sent any. */
  rateLimit?: RateLimitInfo;
  /** OpenAI: the model declined to answer in the schema (`message.refusal`). */
  refusal?: string;
  /** Anthropic: the id of the tool_use block holding a structured answer. */
  toolUseId?: string;
}

/** Provider kinds llmap has adapters for. */
export type ProviderKind = 'openai' | 'anthropic' | 'echo';

/** Everything needed to build a provider; also what identifies it in the cache key (minus the key). */
export interface ProviderConfig {
  kind: ProviderKind;
  model: string;
  /** Custom endpoint; undefined = the vendor's default. */
  baseURL?: string;
  /** The API key value (never logged, never cached). Undefined for keyless local servers and echo. */
  apiKey?: string;
  params: GenerationParams;
  /** Calls in flight at once: sizes the connection pool. */
  concurrency: number;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  /** Extra headers for every request (a profile's "headers"); never part of the cache key. */
  headers?: Record<string, string>;
  /** Query parameters for every request (Azure's api-version); part of the cache key. */
  query?: Record<string, string>;
  /** Header carrying the key when not the adapter's usual one (Azure: 'api-key'). */
  keyHeader?: 'authorization' | 'api-key' | 'x-api-key';
}

/** A configured model endpoint. */
export interface Provider {
  /** Provider kind, e.g. 'openai'. */
  readonly id: ProviderKind;
  /** Model id sent with every request. */
  readonly model: string;
  /**
   * One call. Throws `ProviderError` on failure (kind says whether to retry); rejects with kind
   * 'aborted' when `signal` fires. Must not retry by itself. One signal serves every call of a run:
   * a listener added to it must be removed when the call settles.
   */
  complete(request: ChatRequest, signal: AbortSignal): Promise<ChatResult>;
  /** Closes the connection pool. */
  close(): Promise<void>;
}

/** Receives each piece of answer text as it arrives; a returned promise holds the stream (backpressure). */
export type DeltaHandler = (text: string) => void | Promise<void>;

/** A configured model endpoint that streams one answer as it is generated (`llmap ask`). */
export interface ChatStreamer {
  /** Provider kind, e.g. 'openai'. */
  readonly id: ProviderKind;
  /** Model id sent with every request. */
  readonly model: string;
  /**
   * One streamed call: `onDelta` gets the text piece by piece; resolves with the whole answer once
   * the stream ends (finishReason null when the server ended it without saying why). Throws
   * `ProviderError` (kind 'aborted' when `signal` fires, even part way); an error thrown by
   * `onDelta` ends the stream and is rethrown as is. Must not retry by itself.
   */
  stream(request: ChatRequest, onDelta: DeltaHandler, signal: AbortSignal): Promise<ChatResult>;
  /** Releases the client. */
  close(): Promise<void>;
}
