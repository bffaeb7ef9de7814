/**
 * Declares `llmap ask [prompt]`; the command itself (ask-runner.ts, with the SDK streaming and the
 * cache) is loaded only when it runs, so `llmap --help` does not pay for it.
 */
import type { Command } from 'commander';
import type { RawAskOptions } from '../config/ask-config.js';
import { addCacheOptions, addEndpointOptions, addSchemaOptions, addGenerationOptions } from './call-options.js';
import type { CliContext } from './context.js';

/** Adds `llmap ask [prompt]` to the program. */
export function registerAskCommand(program: Command, cli: CliContext, setExitCode: (code: number) => void): void {
  const ask = program
    .command('ask')
    .description('send one prompt and stream the answer to stdout as it arrives (same profiles, flags and cache as run)')
    .argument('[prompt]', "the prompt; '-', or nothing with input piped in, reads it from stdin");
  addEndpointOptions(ask);
  addGenerationOptions(ask);
  addSchemaOptions(ask);
  addCacheOptions(ask);
  ask
    .option('--verbose', 'print each retry, and a summary at the end (tokens, latency, cache) on stderr')
    .action(async (prompt: string | undefined, opts: RawAskOptions) => {
      const { askCommand } = await import('./ask-runner.js');
      setExitCode(await askCommand(prompt, opts, cli));
    });
}

