/**
 * Opens what a model-calling command holds for its whole run: the provider (one client, one
 * connection pool) and the response cache, both from a validated CallConfig.
 */
import type { ResponseCache } from '../cache/cache.js';
import type { CallConfig } from '../config/call-config.js';
import type { TypedConfig } from '../config/typed-config.js';
import { cacheKeyFor } from '../cache/key.js';
import { createProvider, type ProviderOptions } from '../providers/factory.js';
import type { ChatRequest, Provider } from '../providers/provider.js';

/** What every client (chat, streaming, embeddings) is built from: the config's endpoint, key and limits. */
export function providerOptions(config: CallConfig): ProviderOptions {
  return {
    kind: config.provider,
    model: config.model,
    baseURL: config.baseURL,
    apiKey: config.apiKey,
    apiKeyEnv: config.apiKeyEnv,
    params: config.params,
    concurrency: config.concurrency,
    timeoutMs: config.timeoutMs,
    headers: config.headers,
    query: config.query,
    keyHeader: config.keyHeader,
  };
}

/** The provider the config names. */
export function openProvider(config: CallConfig): Promise<Provider> {
  return createProvider(providerOptions(config));
}

/**
 * The provider the config names, asking for the config's schema when it has one. A fallback from
 * structured output to the prompt is told on `stderr` (unless quiet).
 */
export async function openTypedProvider(
  config: CallConfig & TypedConfig,
  cli: { stderr: NodeJS.WritableStream },
): Promise<Provider> {
  const provider = await openProvider(config);
  if (config.answerSchema === undefined) return provider;
  const { typedProvider } = await import('../providers/typed-provider.js');
  return typedProvider(provider, {
    answerSchema: config.answerSchema,
    mode: config.schemaMode,
    compatible: config.provider === 'openai' && config.baseURL !== undefined,
    onFallback: (reason) => {
      if (!config.quiet) {
        cli.stderr.write(`llmap: structured output refused (${reason.slice(0, 200)}); sending the schema in the system message instead (--schema-mode prompt)\n`);
      }
    },
  });
}

/**
 * The cache key of a chat request made with this config: what `run`, `run --dry-run` and `ask` all
 * use, so each finds the others' answers.
 */
export function chatCacheKey(config: CallConfig & Partial<TypedConfig>): (request: ChatRequest) => string {
  const schema = config.answerSchema?.schema;
  return cacheKeyFor({ provider: config.provider, baseURL: config.baseURL, model: config.model, params: config.params, query: config.query, ...(schema && { schema }) });
}

/** The response cache the config names (a no-op cache for --no-cache). */
export async function openCache(config: CallConfig): Promise<ResponseCache> {
  // Loaded only when used: better-sqlite3 is a native module and costs start-up time.
  const { openResponseCache, noCache } = await import('../cache/response-cache.js');
  if (config.cacheDir === undefined) return noCache();
  return openResponseCache({
    uri: config.cacheUri,
    dir: config.cacheDir,
    mode: config.cacheMode,
    ttlMs: config.cacheTtlMs,
    memoryEntries: config.cacheMemoryEntries,
  });
}

/**
 * Opens a command's client (provider or embedder) and then the cache, closing the client again if
 * the cache cannot be opened; `close` closes both, the cache first (its last writes wait on nothing
 * the client holds).
 */
export async function openClientAndCache<C extends { close(): Promise<void> }>(
  config: CallConfig,
  openClient: () => Promise<C>,
): Promise<{ client: C; cache: ResponseCache; close(): Promise<void> }> {
  const client = await openClient();
  let cache: ResponseCache;
  try {
    cache = await openCache(config);
  } catch (err) {
    await client.close();
    throw err;
  }
  return {
    client,
    cache,
    async close() {
      await cache.close();
      await client.close();
    },
  };
}

/** Test hooks to shorten backoff; undocumented on purpose. */
export function retryOverrides(env: NodeJS.ProcessEnv): { baseDelayMs?: number; maxDelayMs?: number } {
  const base = Number(env.LLMAP_RETRY_BASE_MS);
  return Number.isFinite(base) && base > 0 ? { baseDelayMs: base, maxDelayMs: base * 8 } : {};
}
