/**
 * `llmap batch list|status|resume|cancel`: the batches llmap keeps track of beside the cache. `list`
 * reads the records only; the others ask the server of the endpoint the flags (or profile) name.
 * What they do is in batch-actions.ts, loaded when one runs.
 */
import type { Command } from 'commander';
import type { RawBatchOptions } from './batch-actions.js';
import { addCacheOptions, addEndpointOptions } from './call-options.js';
import type { CliContext } from './context.js';

/** Adds `llmap batch ...` to `program`. */
export function registerBatchCommand(program: Command, cli: CliContext, setExitCode: (code: number) => void): void {
  const batch = program.command('batch').description('the batches of --mode batch runs: list, status, resume (collect), cancel');
  const actions = () => import('./batch-actions.js');

  batch
    .command('list')
    .description('every batch recorded in the cache folder, with the state last seen (no network)')
    .option('--cache-dir <dir>', 'cache folder (default $XDG_CACHE_HOME/llmap, else ~/.cache/llmap)')
    .option('--all', 'also the batches already collected or cancelled')
    .action(async (opts: { cacheDir?: string; all?: boolean }) => (await actions()).listBatches(opts, cli));

  const withEndpoint = (cmd: Command) => addCacheOptions(addEndpointOptions(cmd));
  withEndpoint(batch.command('status').description("the batches in flight at this endpoint, as its server reports them now")).action(
    async (raw: RawBatchOptions) => (await actions()).batchStatus(raw, cli),
  );
  withEndpoint(batch.command('cancel').description('ask the server to cancel the batches in flight at this endpoint; a later run collects what they finished')).action(
    async (raw: RawBatchOptions) => (await actions()).cancelBatches(raw, cli),
  );
  withEndpoint(batch.command('resume').description('wait for the batches in flight at this endpoint and store their answers in the cache')).action(
    async (raw: RawBatchOptions) => (await actions()).resumeBatches(raw, cli, setExitCode),
  );
}
