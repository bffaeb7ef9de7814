/**
 * The batch seam: a vendor's asynchronous batch endpoint (OpenAI Files + Batches, Anthropic Message
 * Batches) as the batch engine sees it. Adapters never retry; they map failures to ProviderError.
 */
import type { ChatResult } from '../provider.js';

/** A batch as the server last described it. */
export interface RemoteBatch {
  id: string;
  /** The vendor's own status word (validating, in_progress, completed, expired, ended, ...). */
  status: string;
  /** Whether it will change no more: its results (if any) can be read. */
  ended: boolean;
  /** Why it ended without running any request (OpenAI `failed`: the input was refused). */
  refused?: string;
  /** Whether the refusal was for its size (too many requests): splitting it helps. */
  tooBig?: boolean;
  /** Whether the refusal was for the requests already queued (OpenAI's enqueued-token limit): it fits once others end. */
  queueFull?: boolean;
  counts: { total: number; succeeded: number; failed: number };
  /** Creation time, ms since epoch. */
  createdAt: number;
  /** llmap's id of the batch as stored with it on the server (OpenAI metadata), when any. */
  label?: string;
}

/** One line of a batch's results, joined by custom_id. */
export type BatchResultLine =
  | { customId: string; ok: true; result: ChatResult }
  | { customId: string; ok: false; error: string };

/** A request too large for one batch: the server refused it for its size (split and try again). */
export class BatchTooLargeError extends Error {
  override name = 'BatchTooLargeError';
}

/** One vendor's batch endpoint for one model and endpoint. */
export interface BatchApi {
  /** Vendor name for messages. */
  readonly vendor: string;
  /** Requests one batch may hold. */
  readonly maxRequests: number;
  /** Bytes one batch's input (file or request body) may have. */
  readonly maxBytes: number;
  /** The line (OpenAI: JSONL line; Anthropic: one `requests[]` item) asking `body` under `customId`. */
  line(customId: string, body: unknown): string;
  /**
   * Creates a batch of `lines` labelled `label`; `onUploaded` is told the input file's id first (so
   * it can be recorded before the batch exists). Reuses `fileId` when given. Throws
   * BatchTooLargeError when the server refuses it for its size.
   */
  create(label: string, lines: string[], signal: AbortSignal, known: { fileId?: string }, onUploaded: (fileId: string) => Promise<void>): Promise<RemoteBatch>;
  /** The batch created under `label` at or after `since` holding `count` requests, if the server has one. */
  find(label: string, since: number, count: number, claimed: Set<string>, signal: AbortSignal): Promise<RemoteBatch | undefined>;
  /** The id of an input file uploaded under `label`, if the server keeps one (OpenAI). */
  findFile(label: string, signal: AbortSignal): Promise<string | undefined>;
  get(id: string, signal: AbortSignal): Promise<RemoteBatch>;
  /** The results of an ended batch, in the server's order. */
  results(id: string, signal: AbortSignal): AsyncIterable<BatchResultLine>;
  cancel(id: string, signal: AbortSignal): Promise<RemoteBatch>;
  close(): Promise<void>;
}

/** The custom_id of a request: its cache key's hash (64 hex characters fit both vendors' rules). */
export function customIdOf(key: string): string {
  return key.replace(/^[a-z]\d+:/, '').slice(0, 64);
}
