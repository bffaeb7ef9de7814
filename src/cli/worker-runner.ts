/**
 * The running `llmap worker`: one BullMQ Worker on the queue, one engine (ChunkRunner) per run
 * settings it meets, every resource closed on the way out. Ctrl-C finishes the chunks in hand and
 * exits; a second Ctrl-C aborts them (another worker takes them after the stall timeout).
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { cacheKeyFor } from '../cache/key.js';
import { resolveApiKey } from '../config/api-key.js';
import { parseDuration, parseWholeNumber } from '../config/parse-values.js';
import { parseQueueUrl, shownQueueUrl } from '../config/queue-config.js';
import { FatalRunError } from '../engine/map-rows.js';
import { budgetId, queueConnection, QUEUE_NAME, settingsText, type ChunkJobData, type ChunkResult, type QueueSettings } from '../engine/queue/chunk-job.js';
import { ChunkRunner } from '../engine/queue/chunk-runner.js';
import { SharedBudget, SharedRateLimiter } from '../engine/queue/shared-rate-limiter.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import { describeError, UsageError } from '../errors.js';
import { createProvider, defaultApiKeyEnv } from '../providers/factory.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { retryOverrides } from './open-resources.js';
import type { RawWorkerOptions } from './worker-command.js';

const DEFAULT_CHUNKS = 2;
const DEFAULT_STALL_MS = 30_000;
/** A chunk whose workers died this many times fails (its rows may be what kills them). */
const MAX_STALLS = 3;

/** Runs the worker until Ctrl-C or a fatal error; returns the exit code. */
export async function runWorker(raw: RawWorkerOptions, cli: CliContext, name: string): Promise<number> {
  if (raw.queue === undefined) throw new UsageError('say which queue to take chunks from: --queue redis://HOST:PORT[/DB]');
  const url = parseQueueUrl(raw.queue);
  const chunks = raw.chunks === undefined ? DEFAULT_CHUNKS : parseWholeNumber('--chunks', raw.chunks, 1, 100);
  const stallMs = raw.stallTimeout === undefined ? DEFAULT_STALL_MS : parseDuration('--stall-timeout', raw.stallTimeout, 1000);
  const say = (line: string) => raw.quiet || cli.stderr.write(`llmap worker: ${line}\n`);

  const redis = await connect(url);
  const abort = new AbortController();
  const runners = new Map<string, Promise<ChunkRunner>>();
  let fatal: string | undefined;
  let stopping: Promise<void> | undefined;

  const runnerFor = async (queued: QueueSettings): Promise<ChunkRunner> => {
    const settings = await withKeyTurn(redis, queued);
    const key = settingsText(settings);
    let runner = runners.get(key);
    if (!runner) {
      runner = openRunner(settings, { url, redis, env: cli.env, signal: abort.signal, name });
      runners.set(key, runner);
      // A runner that cannot open (no key) is tried again for the next chunk, not cached as failed.
      runner.catch(() => runners.delete(key));
    }
    return runner;
  };

  const worker = new Worker<ChunkJobData, ChunkResult>(
    QUEUE_NAME,
    async (job: Job<ChunkJobData, ChunkResult>) => {
      try {
        const result = await (await runnerFor(job.data.settings)).run(job.data);
        say(chunkLine(job.data, result));
        return result;
      } catch (err) {
        // A bad key or a missing variable fails every chunk the same way: stop taking them, and
        // let a worker that has the key do this one.
        if (err instanceof FatalRunError || err instanceof UsageError) {
          fatal ??= err.message;
          void stop();
        }
        throw err;
      }
    },
    {
      connection: queueConnection(url),
      concurrency: chunks,
      lockDuration: stallMs,
      stalledInterval: stallMs,
      maxStalledCount: MAX_STALLS,
      name,
    },
  );
  worker.on('error', () => undefined);

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await worker.close();
      for (const runner of runners.values()) await (await runner.catch(() => undefined))?.close();
    })());

  const unsubscribe = cli.onSignals((signal) => {
    if (stopping) {
      say(`${signal} again: aborting the chunks in hand (other workers take them after the stall timeout)`);
      abort.abort(new Error(`stopped by ${signal}`));
      void worker.close(true);
      return;
    }
    say(`${signal}: finishing the chunks in hand, then exiting (press Ctrl-C again to abort them)`);
    void stop();
  });

  try {
    await worker.waitUntilReady();
    say(`taking chunks from ${shownQueueUrl(url)} as ${name} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => worker.once('closed', () => resolve()));
    await stop();
  } finally {
    unsubscribe();
    redis.disconnect();
  }
  if (fatal !== undefined) {
    cli.stderr.write(`llmap worker: ${fatal}\n`);
    return EXIT.fatal;
  }
  return EXIT.ok;
}

interface RunnerDeps {
  url: string;
  redis: Redis;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  name: string;
}

/** The provider (with this worker's own key), the shared cache and budget, and the engine. */
async function openRunner(settings: QueueSettings, deps: RunnerDeps): Promise<ChunkRunner> {
  const key = workerKey(settings, deps.env);
  const provider = await createProvider({
    kind: settings.provider,
    model: settings.model,
    baseURL: settings.baseURL,
    ...key,
    params: settings.params,
    concurrency: settings.concurrency,
    timeoutMs: settings.timeoutMs,
    query: settings.query,
    keyHeader: settings.keyHeader,
    headers: settings.headers,
  });
  const { openResponseCache, noCache } = await import('../cache/response-cache.js');
  const cache = settings.cache ? await openResponseCache({ uri: deps.url, dir: '', mode: settings.cache.mode, ttlMs: settings.cache.ttlMs }) : noCache();
  const budget = new SharedBudget(deps.redis, budgetId(settings));
  const runner = new ChunkRunner({
    provider,
    cache,
    cacheKey: cacheKeyFor({ provider: settings.provider, baseURL: settings.baseURL, model: settings.model, params: settings.params, query: settings.query }),
    system: settings.system,
    concurrency: settings.concurrency,
    startConcurrency: settings.startConcurrency,
    rateLimiter: new SharedRateLimiter({ requestsPerMinute: settings.requestsPerMinute, tokensPerMinute: settings.tokensPerMinute }, budget),
    maxTokens: settings.params.maxTokens,
    retry: defaultRetryPolicy({ maxAttempts: settings.maxAttempts, ...retryOverrides(deps.env) }),
    signal: deps.signal,
    worker: deps.name,
  });
  void runner.finished.finally(async () => {
    await cache.close();
    await provider.close();
  });
  return runner;
}

/**
 * With several keys, the next one in turn across all workers (a counter in Redis): the chunk is done
 * with that key, under that key's own budget.
 */
async function withKeyTurn(redis: Redis, settings: QueueSettings): Promise<QueueSettings> {
  const { apiKeyEnvs, ...one } = settings;
  if (apiKeyEnvs === undefined || apiKeyEnvs.length < 2) return settings;
  const turn = await redis.incr(`llmap-budget:${budgetId(one)}:key-turn`);
  return { ...one, apiKeyEnv: apiKeyEnvs[(turn - 1) % apiKeyEnvs.length] };
}

/** The key from this worker's environment, by the variable the run names. */
function workerKey(settings: QueueSettings, env: NodeJS.ProcessEnv): ReturnType<typeof resolveApiKey> {
  try {
    return resolveApiKey(settings.provider, { apiKeyEnv: settings.apiKeyEnv, baseURL: settings.baseURL }, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const name = settings.apiKeyEnv ?? defaultApiKeyEnv(settings.provider);
    throw new UsageError(`missing API key: set ${name} in the environment of this worker (the run's key is read from it)`);
  }
}

/** One connection for the shared budget; fails at once when the server is not there. */
async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  let lastError: unknown;
  redis.on('error', (err: unknown) => (lastError = err));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    // The rejection only says the connection closed; the 'error' event carried the cause.
    throw new UsageError(`cannot connect to the queue at ${shownQueueUrl(url)}: ${describeError(lastError ?? err)}; start the server or fix --queue`);
  }
  return redis;
}

function chunkLine(data: ChunkJobData, result: ChunkResult): string {
  const count = (status: string) => result.outcomes.filter((o) => o.status === status).length;
  const rows = `rows ${data.first + 1} to ${data.first + data.prompts.length}`;
  return `${rows}: ${count('sent')} sent, ${count('cached')} cached, ${count('skipped')} skipped, ${count('failed')} failed`;
}
