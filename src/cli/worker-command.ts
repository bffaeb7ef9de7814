/**
 * `llmap worker --queue redis://...`: takes chunks of rows that `llmap run --queue` put on the
 * queue, answers them with the engine of `llmap run` (the provider, retries, pacing, the queue's
 * Redis as the shared cache) and hands the outcomes back. The API key comes from this process's own
 * environment, by the variable name the run's settings give.
 */
import os from 'node:os';
import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** The options of `llmap worker` as commander hands them over. */
export interface RawWorkerOptions {
  queue?: string;
  chunks?: string;
  stallTimeout?: string;
  quiet?: boolean;
}

/** Adds `llmap worker` to `program`; `setExitCode` receives its exit code. */
export function registerWorkerCommand(program: Command, cli: CliContext, setExitCode: (code: number) => void): void {
  program
    .command('worker')
    .description('answer the chunks of rows that `llmap run --queue` puts on a Redis queue (on any number of machines)')
    .option('--queue <url>', 'the queue: redis://HOST:PORT[/DB], as given to llmap run --queue')
    .option('--chunks <n>', 'chunks taken at once (default 2: the next one starts while the last rows of one finish)')
    .option('--stall-timeout <duration>', "how long a chunk of a worker that died waits before another worker takes it (default 30s)")
    .option('-q, --quiet', 'no line per chunk')
    .action(async (opts: RawWorkerOptions) => {
      const { runWorker } = await import('./worker-runner.js');
      setExitCode(await runWorker(opts, cli, `${os.hostname()}:${process.pid}`));
    });
}
