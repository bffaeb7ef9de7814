/**
 * The cache seam: responses stored under a key that names everything that changes the answer.
 */
import type { ChatResult } from '../providers/provider.js';

/** What is stored per prompt. */
export interface CachedResponse extends ChatResult {
  /** When it was stored (ms since epoch). */
  storedAt: number;
}

/** A response cache. `set` resolves only once the value is durable (committed). */
export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): Promise<void>;
  /** Flushes and closes the store; safe to call twice. */
  close(): Promise<void>;
}
