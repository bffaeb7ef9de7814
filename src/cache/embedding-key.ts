/**
 * The cache key of one embedding: its own key space (`e1:`), so a text embedded and the same text
 * sent as a chat prompt never meet, and like the chat key it names everything that changes the
 * vector and nothing secret.
 */
import { createHash } from 'node:crypto';
import type { ProviderKind } from '../providers/provider.js';
import { canonicalJSON, normalizeBaseURL } from './key.js';

/** What identifies one embedding. Deliberately has no room for an API key or headers. */
export interface EmbeddingKeyInput {
  provider: ProviderKind;
  /** Custom endpoint; undefined = the vendor's default. */
  baseURL?: string;
  model: string;
  /** The `dimensions` asked for; undefined = the model's own. */
  dimensions?: number;
  /** Query parameters sent with every request (Azure's api-version). */
  query?: Record<string, string>;
  /** The text embedded, exactly as sent. */
  text: string;
}

// Bump when the hashed payload changes shape, so old entries are missed instead of misread.
const KEY_VERSION = 'e1';

/** The cache key for one text: `e1:` + sha256 hex of a canonical JSON of the input. */
export function embeddingKey(input: EmbeddingKeyInput): string {
  const payload = {
    baseURL: input.baseURL === undefined ? undefined : normalizeBaseURL(input.baseURL),
    dimensions: input.dimensions,
    model: input.model,
    provider: input.provider,
    // Left out when empty, as in the chat key: no query and an empty one send the same request.
    query: input.query !== undefined && Object.keys(input.query).length > 0 ? input.query : undefined,
    text: input.text,
  };
  return `${KEY_VERSION}:${createHash('sha256').update(canonicalJSON(payload)).digest('hex')}`;
}
