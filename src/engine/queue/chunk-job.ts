/**
 * What travels through Redis between `llmap run --queue` (the coordinator) and `llmap worker`: a
 * chunk of rendered prompts with the run's settings, and back the outcome of every row. Nothing
 * secret: the settings name the variable holding the API key, never its value (a profile's headers
 * travel: profiles refuse key headers in them).
 */
import { createHash } from 'node:crypto';
import type { CacheMode } from '../../cache/keyv-response-cache.js';
import type { RunConfig } from '../../config/run-config.js';
import type { RowOutcome } from '../events.js';

/** The BullMQ queue every run and worker on a Redis database shares. */
export const QUEUE_NAME = 'llmap-chunks';

/** Completed chunks kept for a resumed run (after that, re-running them is answered by the cache). */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 1000 };

/** The run's settings a worker needs to make the same requests (and cache keys) as `llmap run`. */
export type QueueSettings = Pick<
  RunConfig,
  // apiKeyEnv(s): the variables each worker reads its keys from (its own environment), never a key.
  | 'provider' | 'model' | 'baseURL' | 'apiKeyEnv' | 'apiKeyEnvs' | 'query' | 'keyHeader' | 'headers' | 'params' | 'system'
  // concurrency: calls in flight per worker; requests/tokensPerMinute: the budget all workers share.
  | 'concurrency' | 'startConcurrency' | 'requestsPerMinute' | 'tokensPerMinute' | 'timeoutMs' | 'maxAttempts'
> & {
  /** Undefined = --no-cache. */
  cache?: { mode: CacheMode; ttlMs?: number };
};

/** A job: rows `first`.. of the input, as their rendered prompts ('' = empty prompt, skipped). */
export interface ChunkJobData {
  settings: QueueSettings;
  first: number;
  prompts: string[];
}

/** A row's outcome as it comes back (the index is the chunk's first plus its position). */
export type WireOutcome = Omit<RowOutcome, 'index' | 'value' | 'stopped'>;

/** A job's result. */
export interface ChunkResult {
  outcomes: WireOutcome[];
  /** 429 answers while doing the chunk. */
  rateLimited: number;
  /** The worker that did it (host:pid). */
  worker: string;
}

/** The settings of a run that a worker needs. */
export function queueSettings(config: RunConfig): QueueSettings {
  return {
    provider: config.provider,
    model: config.model,
    ...(config.baseURL !== undefined && { baseURL: config.baseURL }),
    ...(config.apiKeyEnv !== undefined && { apiKeyEnv: config.apiKeyEnv }),
    ...(config.apiKeyEnvs !== undefined && { apiKeyEnvs: config.apiKeyEnvs }),
    ...(config.query !== undefined && { query: config.query }),
    ...(config.keyHeader !== undefined && { keyHeader: config.keyHeader }),
    ...(config.headers !== undefined && { headers: config.headers }),
    params: config.params,
    ...(config.system !== undefined && { system: config.system }),
    concurrency: config.concurrency,
    startConcurrency: config.startConcurrency,
    ...(config.requestsPerMinute !== undefined && { requestsPerMinute: config.requestsPerMinute }),
    ...(config.tokensPerMinute !== undefined && { tokensPerMinute: config.tokensPerMinute }),
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    ...(config.cacheDir !== undefined && {
      cache: { mode: config.cacheMode, ...(config.cacheTtlMs !== undefined && { ttlMs: config.cacheTtlMs }) },
    }),
  };
}

/** A stable text of the settings (keys sorted), for ids. */
export function settingsText(settings: QueueSettings): string {
  return JSON.stringify(settings, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
}

/**
 * The job id of a chunk: the same settings, position and prompts give the same id, so running the
 * same command again finds the chunks a stopped run already finished (BullMQ adds nothing for an
 * id it holds), and anything that changes the answers gives new ids.
 */
export function chunkJobId(settings: string, first: number, prompts: string[]): string {
  const hash = createHash('sha256').update(settings).update(`\n${first}\n`);
  for (const p of prompts) hash.update(`${p.length}:`).update(p);
  return `c${first}-${hash.digest('hex').slice(0, 32)}`;
}

/** The budget id of an endpoint: the rate limits of one key on one server are shared by all workers. */
export function budgetId(settings: QueueSettings): string {
  const who = settingsText({ provider: settings.provider, baseURL: settings.baseURL, apiKeyEnv: settings.apiKeyEnv, model: settings.model } as QueueSettings);
  return createHash('sha256').update(who).digest('hex').slice(0, 16);
}

/** The BullMQ connection options for a Redis URL. */
export function queueConnection(url: string): { url: string; maxRetriesPerRequest: null } {
  // Workers block on Redis; BullMQ requires ioredis not to give up on their commands.
  return { url, maxRetriesPerRequest: null };
}
