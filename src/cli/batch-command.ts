/**
 * `llmap batch list|status|resume|cancel`: the batches llmap keeps track of beside the cache. `list`
 * reads the records only; the others ask the server of the endpoint the flags (or profile) name.
 */
import type { Command } from 'commander';
import { defaultCacheDir } from '../cache/default-dir.js';
import { resolveCallConfig, type CallConfig, type RawCallOptions } from '../config/call-config.js';
import { loadProfileOptions } from '../config/load-profile-options.js';
import { batchStoreDir, BatchStore, type BatchRecord } from '../engine/batch/batch-store.js';
import { runBatches } from '../engine/batch/run-batches.js';
import { UsageError } from '../errors.js';
import type { BatchApi } from '../providers/batch/batch-api.js';
import { checkBatchSupport, createBatchApi } from '../providers/batch/factory.js';
import { formatDuration } from '../report/format-units.js';
import { addCacheOptions, addEndpointOptions } from './call-options.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { Interrupts } from './interrupts.js';
import { batchScope, pollIntervals } from './batch-run.js';
import { openCache, providerOptions } from './open-resources.js';
import { formatTable } from './text-table.js';

type Raw = RawCallOptions & { all?: boolean };

/** Adds `llmap batch ...` to `program`. */
export function registerBatchCommand(program: Command, cli: CliContext, setExitCode: (code: number) => void): void {
  const batch = program.command('batch').description('the batches of --mode batch runs: list, status, resume (collect), cancel');
  const print = (text: string) => void cli.stdout.write(text);

  batch
    .command('list')
    .description('every batch recorded in the cache folder, with the state last seen (no network)')
    .option('--cache-dir <dir>', 'cache folder (default $XDG_CACHE_HOME/llmap, else ~/.cache/llmap)')
    .option('--all', 'also the batches already collected or cancelled')
    .action(async (opts: { cacheDir?: string; all?: boolean }) => {
      const records = await new BatchStore(batchStoreDir(opts.cacheDir ?? defaultCacheDir(cli.env))).all();
      print(table(records.filter((r) => opts.all || inFlight(r))));
    });

  const withEndpoint = (cmd: Command) => addCacheOptions(addEndpointOptions(cmd));
  withEndpoint(batch.command('status').description("the batches in flight at this endpoint, as its server reports them now")).action(
    async (raw: Raw) => {
      await withApi(raw, cli, async ({ api, records, store }) => {
        for (const rec of records) {
          if (!rec.batchId) continue;
          const b = await api.get(rec.batchId, AbortSignal.timeout(60_000));
          rec.status = b.status;
          rec.counts = b.counts;
          await store.save(rec);
        }
        print(table(records));
      });
    },
  );
  withEndpoint(batch.command('cancel').description('ask the server to cancel the batches in flight at this endpoint; a later run collects what they finished')).action(
    async (raw: Raw) => {
      await withApi(raw, cli, async ({ api, records, store }) => {
        for (const rec of records) {
          if (!rec.batchId) continue;
          const b = await api.cancel(rec.batchId, AbortSignal.timeout(60_000));
          rec.status = b.status;
          await store.save(rec);
          print(`${rec.batchId}: ${b.status}\n`);
        }
      });
    },
  );
  withEndpoint(batch.command('resume').description('wait for the batches in flight at this endpoint and store their answers in the cache')).action(
    async (raw: Raw) => {
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
          print(`${result.answered.size} answers stored in the cache, ${failed} failed, from ${result.batchIds.length} ${result.batchIds.length === 1 ? 'batch' : 'batches'} after ${formatDuration(result.waitedMs)}\n`);
          if (result.stopped) setExitCode(EXIT.interrupted);
          else if (failed > 0) setExitCode(EXIT.someRowsFailed);
        } finally {
          interrupts.dispose();
          await cache.close();
        }
      });
    },
  );
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
  raw: Raw,
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
