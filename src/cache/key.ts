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
  /** The JSON Schema typed answers must match (--schema/--fields); absent for text answers. */
  schema?: Record<string, unknown>;
}

// Bump when the hashed payload changes shape, so old entries are missed instead of misread.
const KEY_VERSION = 'v1';

/** The cache key for one request: `v1:` + sha256 hex of a canonical JSON of the input. */
export function cacheKey(input: CacheKeyInput): string {
  return cacheKeyFor(input)(input);
}

/**
 * The cache key function of a run: what every request of the run shares (endpoint, model,
 * parameters) is written out once, and each row adds its messages. Gives exactly cacheKey's keys.
 */
export function cacheKeyFor(fixed: Omit<CacheKeyInput, 'system' | 'prompt'>): (request: { system?: string; prompt: string }) => string {
  // Fields in sorted order by hand (cheaper than a generic sort per row); params are walked
  // generically so a parameter added later changes the key without touching this file.
  let head = '{';
  if (fixed.baseURL !== undefined) head += `"baseURL":${JSON.stringify(normalizeBaseURL(fixed.baseURL))},`;
  head += `"model":${JSON.stringify(fixed.model)}`;
  head += `,"params":${canonicalJSON(fixed.params)}`;
  head += ',"prompt":';
  let middle = `,"provider":${JSON.stringify(fixed.provider)}`;
  // Left out when empty so keys made before queries existed stay valid.
  if (fixed.query !== undefined && Object.keys(fixed.query).length > 0) middle += `,"query":${canonicalJSON(fixed.query)}`;
  // Likewise left out without a schema, so keys of text runs stay as they were.
  if (fixed.schema !== undefined) middle += `,"schema":${canonicalJSON(fixed.schema)}`;
  return (request) => {
    const system = request.system === undefined ? '' : `,"system":${JSON.stringify(request.system)}`;
    return `${KEY_VERSION}:${sha256Hex(head + JSON.stringify(request.prompt) + middle + system + '}')}`;
  };
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
