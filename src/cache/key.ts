/**
 * The cache key: a versioned hash of everything that changes the answer, and nothing secret.
 */
import crypto, { createHash } from 'node:crypto';
import type { GenerationParams, ProviderKind } from '../providers/provider.js';

/** What identifies one request for caching. Deliberately has no room for an API key or headers. */
export interface CacheKeyInput {
  provider: ProviderKind;
  /** Custom endpoint; undefined = the vendor's default. */
  baseURL?: string;
  model: string;
  params: GenerationParams;
  system?: string;
  prompt: string;
  /** Query parameters sent with every request (Azure's api-version picks the API, so the answer). */
  query?: Record<string, string>;
}

// Bump when the hashed payload changes shape, so old entries are missed instead of misread.
const KEY_VERSION = 'v1';

/** The cache key for one request: `v1:` + sha256 hex of a canonical JSON of the input. */
export function cacheKey(input: CacheKeyInput): string {
  // Fields in sorted order by hand (cheaper than a generic sort per row); params are walked
  // generically so a parameter added later changes the key without touching this file.
  let json = '{';
  if (input.baseURL !== undefined) json += `"baseURL":${JSON.stringify(normalizeBaseURL(input.baseURL))},`;
  json += `"model":${JSON.stringify(input.model)}`;
  json += `,"params":${canonicalJSON(input.params)}`;
  json += `,"prompt":${JSON.stringify(input.prompt)}`;
  json += `,"provider":${JSON.stringify(input.provider)}`;
  // Left out when empty so keys made before queries existed stay valid.
  if (input.query !== undefined && Object.keys(input.query).length > 0) json += `,"query":${canonicalJSON(input.query)}`;
  if (input.system !== undefined) json += `,"system":${JSON.stringify(input.system)}`;
  json += '}';
  return `${KEY_VERSION}:${sha256Hex(json)}`;
}

// crypto.hash (Node 20.12+) hashes in one call without a Hash object: a third of the per-row cost.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** The SHA-256 of `text`, in hex. */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');
}

/** Strips trailing slashes and any `user:password@` (credentials never change the answer). */
export function normalizeBaseURL(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1').replace(/\/+$/, '');
}

/** JSON with object keys sorted and undefined members dropped, so key order never matters. */
export function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const name of Object.keys(record).sort()) {
    if (record[name] === undefined) continue;
    parts.push(`${JSON.stringify(name)}:${canonicalJSON(record[name])}`);
  }
  return `{${parts.join(',')}}`;
}
