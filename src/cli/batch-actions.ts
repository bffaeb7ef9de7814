/**
 * What `llmap batch list|status|resume|cancel` do (batch-command.ts registers them): loaded only
 * when one of them runs, so that every other command starts without the batch machinery.
 */
import { defaultCacheDir } from '../cache/default-dir.js';
import { resolveCallConfig, type CallConfig, type RawCallOptions } from '../config/call-config.js';
import { loadProfileOptions } from '../config/load-profile-options.js';
import { batchStoreDir, BatchStore, type BatchRecord } from '../engine/batch/batch-store.js';
import { runBatches } from '../engine/batch/run-batches.js';
import { UsageError } from '../errors.js';
import type { BatchApi } from '../providers/batch/batch-api.js';
import { checkBatchSupport, createBatchApi } from '../providers/batch/factory.js';
import { formatDuration } from '../report/format-units.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { Interrupts } from './interrupts.js';
import { batchScope, pollIntervals } from './batch-run.js';
import { openCache, providerOptions } from './open-resources.js';
import { formatTable } from './text-table.js';

export type RawBatchOptions = RawCallOptions & { all?: boolean };

/** `llmap batch list`: the records in the cache folder (no network). */
export async function listBatches(opts: { cacheDir?: string; all?: boolean }, cli: CliContext): Promise<void> {
  const records = await new BatchStore(batchStoreDir(opts.cacheDir ?? defaultCacheDir(cli.env))).all();
  cli.stdout.write(table(records.filter((r) => opts.all || inFlight(r))));
}

/** `llmap batch status`: each batch in flight at the endpoint, as its server reports it now. */
export async function batchStatus(raw: RawBatchOptions, cli: CliContext): Promise<void> {
  await withApi(raw, cli, async ({ api, records, store }) => {
    for (const rec of records) {
      if (!rec.batchId) continue;
      const b = await api.get(rec.batchId, AbortSignal.timeout(60_000));
      rec.status = b.status;
      rec.counts = b.counts;
      await store.save(rec);
    }
    cli.stdout.write(table(records));
  });
}

/** `llmap batch cancel`: asks the server to cancel each batch in flight at the endpoint. */
export async function cancelBatches(raw: RawBatchOptions, cli: CliContext): Promise<void> {
  await withApi(raw, cli, async ({ api, records, store }) => {
    for (const rec of records) {
      if (!rec.batchId) continue;
      const b = await api.cancel(rec.batchId, AbortSignal.timeout(60_000));
      rec.status = b.status;
      await store.save(rec);
      cli.stdout.write(`${rec.batchId}: ${b.status}\n`);
    }
  });
}

/** `llmap batch resume`: waits for the batches in flight at the endpoint and stores their answers. */
export async function resumeBatches(raw: RawBatchOptions, cli: CliContext, setExitCode: (code: number) => void): Promise<void> {
  await withApi(raw, cli, async ({ api, config, store }) => {
    const interrupts = new Interrupts(cli, 0, (line) => cli.stderr.write(line + '\n'));
    const cache = await openCache(config);
    try {
      const result = await runBatches([], {
        api,
        store,
        scope: batchScope(config),
        cache,
        retries: 0,
        ...pollIntervals(cli.env),
        signal: interrupts.abort,
        stop: interrupts.stop,
        log: (line) => cli.stderr.write(line + '\n'),
        adoptAll: true,
      });
      const failed = result.failed.size;
      cli.stdout.write(`${result.answered.size} answers stored in the cache, ${failed} failed, from ${result.batchIds.length} ${result.batchIds.length === 1 ? 'batch' : 'batches'} after ${formatDuration(result.waitedMs)}\n`);
      if (result.stopped) setExitCode(EXIT.interrupted);
      else if (failed > 0) setExitCode(EXIT.someRowsFailed);
    } finally {
      interrupts.dispose();
      await cache.close();
    }
  });
}

function inFlight(r: BatchRecord): boolean {
  return r.state === 'intent' || r.state === 'submitted';
}

function table(records: BatchRecord[]): string {
  if (records.length === 0) return 'no batches\n';
  const rows = records.map((r) => [
    r.batchId ?? '(not created)',
    r.vendor,
    r.model,
    String(r.keys.length),
    r.state,
    r.status ?? '',
    r.counts ? `${r.counts.succeeded}/${r.counts.total}${r.counts.failed ? ` (${r.counts.failed} failed)` : ''}` : '',
    new Date(r.createdAt).toISOString().replace(/\.\d+Z$/, 'Z'),
    r.endpoint,
  ]);
  return formatTable([['batch', 'provider', 'model', 'requests', 'llmap', 'status', 'done', 'created', 'endpoint'], ...rows]);
}

/** The endpoint's config, batch API and in-flight records, closed after `use`. */
async function withApi(
  raw: RawBatchOptions,
  cli: CliContext,
  use: (ctx: { api: BatchApi; config: CallConfig; records: BatchRecord[]; store: BatchStore }) => Promise<void>,
): Promise<void> {
  const merged = await loadProfileOptions(raw, { cwd: process.cwd(), env: cli.env });
  const config = resolveCallConfig(merged, cli.env, () => defaultCacheDir(cli.env));
  checkBatchSupport(config.providerName);
  if (config.cacheDir === undefined) throw new UsageError('llmap batch needs the cache folder its batches are recorded in; drop --no-cache');
  const store = new BatchStore(batchStoreDir(config.cacheDir));
  const scope = batchScope(config);
  const records = (await store.all()).filter(
    (r) => inFlight(r) && r.vendor === scope.vendor && r.endpoint === scope.endpoint && r.model === scope.model,
  );
  const api = await createBatchApi(providerOptions(config));
  try {
    await use({ api, config, records, store });
  } finally {
    await api.close();
  }
}
