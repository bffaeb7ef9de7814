/**
 * What the engine tells its observers (progress, report). Observers only watch: they never change
 * the flow of rows.
 */
import type { ProviderError } from '../errors.js';
import type { Usage } from '../providers/provider.js';

/** How one row ended. */
export type RowStatus =
  | 'sent' // answered by the provider in this run
  | 'cached' // answered from the cache (or by an identical prompt earlier in this run)
  | 'skipped' // empty prompt, not sent
  | 'failed'; // no answer: see `error`

/** The end state of one row, as written to the output. */
export interface RowOutcome {
  /** 0-based row index in the input. */
  index: number;
  status: RowStatus;
  /** The response text ('' when skipped or failed). */
  text: string;
  finishReason: string | null;
  usage: Usage;
  /** One-line error message when failed. */
  error?: string;
  /** Wall time of the successful (or last) attempt in ms; undefined for cached/skipped rows. */
  latencyMs?: number;
  /** A typed run's answer: the validated JSON object (absent when skipped or failed). */
  value?: Record<string, unknown>;
  /** Provider calls made for this row (0 for cached/skipped). */
  attempts: number;
  /** The row was not finished because the run was stopped (never reported to observers). */
  stopped?: boolean;
}

/** A retry the engine is about to make. */
export interface RetryEvent {
  index: number;
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Delay before the next attempt in ms. */
  delayMs: number;
  error: ProviderError;
}

/** An invalid typed answer about to be asked for again. */
export interface SchemaRetryEvent {
  index: number;
  /** The answer that was invalid (1-based). */
  attempt: number;
  /** What was wrong with it. */
  error: string;
}

/** Every row is held back for a while, e.g. for a server's retry-after. */
export interface HoldEvent {
  /** What the run waits for, for people: "the server's retry-after (429)". */
  waitingFor: string;
  /** How long, in ms, from now. */
  ms: number;
}

/** Watches a run. All methods are optional and must be cheap (they run on the per-row path). */
export interface RunObserver {
  /** The number of input rows, once known (undefined for stdin until the end). */
  onTotal?(total: number | undefined): void;
  /**
   * A request is sent to the provider (every attempt). `at`: the performance.now() it was sent at,
   * when the engine has just read that clock (observers then need not read it again).
   */
  onRequest?(index: number, at?: number): void;
  onRetry?(event: RetryEvent): void;
  /** A typed answer was invalid and is asked for again (--schema-retries), with `error` quoted back. */
  onSchemaRetry?(event: SchemaRetryEvent): void;
  /** A request failed (every failed attempt, retried or not; 429s too). */
  onRequestFailed?(index: number, error: ProviderError): void;
  /** The server refused a request with 429 (rate limited), whether or not it is retried. */
  onRateLimited?(index: number): void;
  /** Every row is held for a while (shown by the progress display). */
  onHold?(event: HoldEvent): void;
  /** The adaptive concurrency limit, at the start and whenever it changes. */
  onConcurrency?(current: number): void;
  /**
   * A row is done and committed (its response is in the cache). Called in completion order. `at`: as
   * for onRequest, the performance.now() its answer came at, when the engine has just read it.
   */
  onRowDone?(outcome: RowOutcome, at?: number): void;
  /** The run ended (all rows written, or stopped). */
  onEnd?(): void;
}
