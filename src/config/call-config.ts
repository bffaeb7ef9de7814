/**
 * The settings every command that calls a model shares (`run`, `embed`, `ask`): the endpoint, the
 * key, generation parameters, limits, retries and the cache. Loading and checking only.
 */
import { UsageError } from '../errors.js';
import { parseCacheUri } from '../cache/cache-uri.js';
import { CACHE_MODES, type CacheMode } from '../cache/keyv-response-cache.js';
import type { GenerationParams, ProviderConfig, ProviderKind } from '../providers/provider.js';
import { resolveApiKey } from './api-key.js';
import { applyPreset } from './apply-preset.js';
import { parseAge, parseChoice, parseDuration, parseNumberIn, parseWholeNumber } from './parse-values.js';

/** The shared options as commander hands them over (strings, unvalidated), a profile merged in. */
export interface RawCallOptions {
  provider?: string;
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  /** From a profile naming several keys: every variable (apiKeyEnv is the first). */
  apiKeyEnvs?: string[];
  temperature?: string;
  maxTokens?: string;
  system?: string;
  concurrency?: string;
  rpm?: string;
  tpm?: string;
  cacheDir?: string;
  /** `--cache <uri>`, or false for --no-cache. */
  cache?: string | boolean;
  cacheMode?: string;
  cacheTtl?: string;
  /** --cache-memory: answers kept in memory in front of the store. */
  cacheMemory?: string;
  /** --profile: a profile of the profiles file. */
  profile?: string;
  /** --config: the profiles file. */
  config?: string;
  /** From a profile: extra headers for every request. */
  headers?: Record<string, string>;
  /** From a profile: US dollars per million input and output tokens. */
  price?: { input: number; output: number };
  report?: string;
  quiet?: boolean;
  verbose?: boolean;
  timeout?: string;
  retries?: string;
  grace?: string;
}

/** A validated endpoint, limits and cache. */
export interface CallConfig {
  system?: string;
  /** The adapter. */
  provider: ProviderKind;
  /** The provider as the user named it (a preset such as groq), for the report. */
  providerName: string;
  model: string;
  baseURL?: string;
  apiKey?: string;
  apiKeyEnv?: string;
  /** Extra request headers (from a profile). */
  headers?: Record<string, string>;
  /** Query parameters for every request (Azure's api-version). */
  query?: Record<string, string>;
  /** Header carrying the key when not the adapter's usual one. */
  keyHeader?: ProviderConfig['keyHeader'];
  /** US dollars per million input and output tokens, when a profile states them. */
  price?: { input: number; output: number };
  params: GenerationParams;
  /** The most calls in flight; the engine adapts below it. */
  concurrency: number;
  /**
   * Calls in flight at the start: the cap when the user set one (-j or a profile's "concurrency"),
   * else a few, growing as the server keeps up. Either way overload answers cut it.
   */
  startConcurrency: number;
  /** --rpm: requests per minute, when given. */
  requestsPerMinute?: number;
  /** --tpm: tokens per minute, when given. */
  tokensPerMinute?: number;
  timeoutMs: number;
  /** Attempts per call, the first included (--retries + 1). */
  maxAttempts: number;
  /** How long in-flight calls may finish after the first Ctrl-C. */
  graceMs: number;
  /** Undefined when --no-cache. */
  cacheDir?: string;
  /** --cache: the store's URI; undefined = sqlite in cacheDir. */
  cacheUri?: string;
  cacheMode: CacheMode;
  /** --cache-ttl: entries expire this long after being stored. */
  cacheTtlMs?: number;
  /** --cache-memory: answers kept in memory in front of the store (undefined = the default). */
  cacheMemoryEntries?: number;
  reportPath?: string;
  quiet: boolean;
  verbose: boolean;
}

const DEFAULT_CONCURRENCY = 64;
const DEFAULT_START_CONCURRENCY = 8;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_RETRIES = 5;
const DEFAULT_GRACE_MS = 10_000;

/**
 * Validates the shared options (flags with a profile's settings merged in) and applies the provider
 * preset. Throws UsageError with a message naming the flag.
 */
export function resolveCallConfig(
  raw: RawCallOptions,
  env: NodeJS.ProcessEnv,
  defaultCacheDir: () => string,
  opts: { keyRequired?: boolean; keyList?: boolean } = {},
): CallConfig {
  if ((raw.apiKeyEnvs?.length ?? 0) > 1 && !opts.keyList) {
    throw new UsageError('the profile names several keys in "apiKeyEnv": they are spread over the workers of llmap run --queue; here name one with --api-key-env');
  }
  const cache = resolveCache(raw, defaultCacheDir);
  const providerName = raw.provider ?? 'openai';
  const endpoint = applyPreset(raw, env);
  const provider = endpoint.provider;
  const model = raw.model ?? (provider === 'echo' ? 'echo' : undefined);
  if (!model) throw new UsageError(`missing --model: name the model to call, e.g. -m gpt-4o-mini`);
  const baseURL = endpoint.baseUrl === undefined ? undefined : parseBaseURL(endpoint.baseUrl);
  const params: GenerationParams = {};
  if (raw.temperature !== undefined) {
    params.temperature = parseNumberIn('--temperature', raw.temperature, 0, provider === 'anthropic' ? 1 : 2);
  }
  if (raw.maxTokens !== undefined) params.maxTokens = parseWholeNumber('--max-tokens', raw.maxTokens, 1);
  else if (provider === 'anthropic') params.maxTokens = 1024; // the Messages API requires it
  const concurrency =
    raw.concurrency === undefined ? DEFAULT_CONCURRENCY : parseWholeNumber('--concurrency', raw.concurrency, 1, 10_000);
  const rpm = raw.rpm === undefined ? undefined : parseWholeNumber('--rpm', raw.rpm, 1);
  const tpm = raw.tpm === undefined ? undefined : parseWholeNumber('--tpm', raw.tpm, 1);
  const key = keyFor(provider, { apiKeyEnv: endpoint.apiKeyEnv, baseURL }, env, opts.keyRequired ?? true);
  return {
    system: raw.system,
    provider,
    providerName,
    model,
    baseURL,
    ...key,
    ...(raw.headers !== undefined && { headers: raw.headers }),
    ...(endpoint.query !== undefined && { query: endpoint.query }),
    ...(endpoint.keyHeader !== undefined && { keyHeader: endpoint.keyHeader }),
    ...(raw.price !== undefined && { price: raw.price }),
    params,
    concurrency,
    startConcurrency: raw.concurrency === undefined ? Math.min(concurrency, DEFAULT_START_CONCURRENCY) : concurrency,
    ...(rpm !== undefined && { requestsPerMinute: rpm }),
    ...(tpm !== undefined && { tokensPerMinute: tpm }),
    timeoutMs: raw.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration('--timeout', raw.timeout),
    maxAttempts: 1 + (raw.retries === undefined ? DEFAULT_RETRIES : parseWholeNumber('--retries', raw.retries, 0, 100)),
    graceMs: raw.grace === undefined ? DEFAULT_GRACE_MS : parseDuration('--grace', raw.grace, 0),
    ...cache,
    reportPath: raw.report,
    quiet: raw.quiet ?? false,
    verbose: raw.verbose ?? false,
  };
}

/** The key, or (when not required: a dry run, which calls nobody) none when it is not set. */
function keyFor(...[kind, where, env, required]: [...Parameters<typeof resolveApiKey>, boolean]): ReturnType<typeof resolveApiKey> {
  try {
    return resolveApiKey(kind, where, env);
  } catch (err) {
    if (required || !(err instanceof UsageError)) throw err;
    // The variable's name still says where the key is (`run --queue`: each worker reads its own).
    return where.apiKeyEnv === undefined ? {} : { apiKeyEnv: where.apiKeyEnv };
  }
}

/** The cache flags, checked before anything is read so a typo costs nothing. */
function resolveCache(
  raw: RawCallOptions,
  defaultCacheDir: () => string,
): Pick<CallConfig, 'cacheDir' | 'cacheUri' | 'cacheMode' | 'cacheTtlMs' | 'cacheMemoryEntries'> {
  const cacheMode = parseChoice('--cache-mode', raw.cacheMode ?? 'rw', CACHE_MODES);
  const cacheTtlMs = raw.cacheTtl === undefined ? undefined : parseAge('--cache-ttl', raw.cacheTtl);
  const cacheMemoryEntries = raw.cacheMemory === undefined ? undefined : parseWholeNumber('--cache-memory', raw.cacheMemory, 0, 10_000_000);
  if (raw.cache === false) {
    const other =
      raw.cacheMode !== undefined ? '--cache-mode' : raw.cacheTtl !== undefined ? '--cache-ttl' : raw.cacheMemory !== undefined ? '--cache-memory' : undefined;
    if (other !== undefined) throw new UsageError(`--no-cache turns the cache off; drop ${other} or --no-cache`);
    return { cacheMode };
  }
  const cacheDir = raw.cacheDir ?? defaultCacheDir();
  const cacheUri = typeof raw.cache === 'string' ? raw.cache : undefined;
  parseCacheUri(cacheUri, cacheDir);
  return {
    cacheDir,
    cacheMode,
    ...(cacheUri !== undefined && { cacheUri }),
    ...(cacheTtlMs !== undefined && { cacheTtlMs }),
    ...(cacheMemoryEntries !== undefined && { cacheMemoryEntries }),
  };
}

function parseBaseURL(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`expected --base-url to be an http(s) URL such as http://127.0.0.1:11434/v1, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`expected --base-url to be an http(s) URL, got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}
