/**
 * The commander program and the one place errors become messages and exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { InputError, UsageError, describeError } from '../errors.js';
import type { RawRunOptions } from '../config/run-config.js';
import { addCacheOptions, addEndpointOptions, addSchemaOptions, addGenerationOptions, addLimitOptions, addReportOptions } from './call-options.js';
import { registerAskCommand } from './ask-command.js';
import { registerBatchCommand } from './batch-command.js';
import { registerCacheCommand } from './cache-command.js';
import { processContext, type CliContext } from './context.js';
import { addParquetOptions } from './parquet-options.js';
import { registerEmbedCommand } from './embed-command.js';
import { EXIT } from './exit-codes.js';
import { registerProfilesCommand } from './profiles-command.js';
import { registerProvidersCommand } from './providers-command.js';
import { registerReportCommand } from './report-command.js';
import { addHelpExamples } from './help-examples.js';
import { registerWorkerCommand } from './worker-command.js';

const VERSION = '0.1.0';

/** Builds the program; `setExitCode` receives the run's exit code. */
export function buildProgram(cli: CliContext, setExitCode: (code: number) => void): Command {
  const program = new Command('llmap')
    .description('Map an LLM over the rows of a table: the same table comes back with a response column, rows in input order.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => cli.stderr.write(s), writeOut: (s) => cli.stdout.write(s) });

  const run = program
    .command('run')
    .description('send one prompt per row and write the table with the responses')
    .argument('<input>', "input table: a path, or '-' for stdin")
    .option('-o, --output <path>', "output path; '-' or omitted = stdout")
    .addOption(new Option('--input-format <format>', 'csv, tsv, jsonl, arrow or parquet (default: from the extension, csv for stdin)'))
    .addOption(new Option('--output-format <format>', 'csv, tsv, jsonl, arrow or parquet (default: from the extension, csv for stdout)'))
    .option('-c, --column <name>', 'the cell of this column is the prompt')
    .option('-t, --template <text>', 'prompt template with {{column}} placeholders')
    .option('--template-file <path>', 'read the template from a file');
  addParquetOptions(run);
  addEndpointOptions(run);
  addGenerationOptions(run);
  addSchemaOptions(run);
  addLimitOptions(run);
  run
    .option('--output-column <name>', 'name of the response column (default response)')
    .option('--metadata', 'add columns error, cached, latency_ms, input_tokens, output_tokens, finish_reason');
  addCacheOptions(run);
  addReportOptions(run);
  run
    .option('--limit <n>', 'only the first n rows')
    .option('--mode <mode>', 'realtime (default: one request per row) or batch (the provider\'s batch endpoint: half the price, answers within 24h; same output)')
    .option('--batch-fallback <how>', 'with --mode batch: requests that failed in their batch go in a new batch (batch, default) or as realtime calls (realtime)')
    .option('--dry-run', 'send nothing: count the rows, cache hits, requests, tokens and the cost range the run would have')
    .option('--max-cost <usd>', 'start no new calls once this many US dollars are spent (exit 2); needs a known price')
    .option('--grace <duration>', 'after Ctrl-C, how long calls in flight may finish (default 10s)')
    .option('--relax-column-count', 'accept CSV rows with more or fewer cells than the header (pad with empty cells, drop extras)')
    .option('--queue <url>', 'send the rows to `llmap worker` processes through this Redis: redis://HOST:PORT[/DB] (also the shared cache)')
    .option('--chunk-size <n>', 'rows per queued chunk with --queue (default 200)')
    .action(async (input: string, opts: RawRunOptions) => {
      const { runCommand } = await import('./run-command.js');
      setExitCode(await runCommand(input, opts, cli));
    });

  registerProvidersCommand(program, cli);
  registerProfilesCommand(program, cli, setExitCode);
  registerCacheCommand(program, cli);
  registerEmbedCommand(program, cli, setExitCode);
  registerAskCommand(program, cli, setExitCode);
  registerReportCommand(program, cli, setExitCode);
  registerWorkerCommand(program, cli, setExitCode);
  registerBatchCommand(program, cli, setExitCode);
  addHelpExamples(program);
  return program;
}

/** Entry point used by bin/llmap.js. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const cli = processContext();
  let exitCode: number = EXIT.ok;
  const program = buildProgram(cli, (code) => (exitCode = code));
  program.exitOverride();
  const verbose = argv.includes('--verbose') || Boolean(process.env.DEBUG);
  // No arguments at all: the user is finding out what llmap does, not making a mistake.
  if (argv.length <= 2) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    exitCode = errorExitCode(err, cli, verbose);
  }
  // Let stdout drain before exiting so piped output is never cut short.
  process.exitCode = exitCode;
}

function errorExitCode(err: unknown, cli: CliContext, verbose: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (help, version, unknown option).
    return err.exitCode === 0 ? EXIT.ok : EXIT.fatal;
  }
  if (err instanceof UsageError || err instanceof InputError) {
    cli.stderr.write(`llmap: ${err.message}\n`);
  } else {
    cli.stderr.write(`llmap: unexpected error: ${describeError(err)}${verbose ? '' : ' (run with --verbose for details)'}\n`);
  }
  if (verbose && err instanceof Error && err.stack) cli.stderr.write(err.stack + '\n');
  return EXIT.fatal;
}
