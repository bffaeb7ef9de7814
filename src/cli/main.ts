/**
 * The commander program and the one place errors become messages and exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { InputError, UsageError, describeError } from '../errors.js';
import type { RawRunOptions } from '../config/run-config.js';
import { registerCacheCommand } from './cache-command.js';
import { processContext, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { registerProfilesCommand } from './profiles-command.js';
import { registerProvidersCommand } from './providers-command.js';

const VERSION = '0.1.0';

/** Builds the program; `setExitCode` receives the run's exit code. */
export function buildProgram(cli: CliContext, setExitCode: (code: number) => void): Command {
  const program = new Command('llmap')
    .description('Map an LLM over the rows of a table: the same table comes back with a response column, rows in input order.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => cli.stderr.write(s), writeOut: (s) => cli.stdout.write(s) });

  // --cache and --no-cache share one value, where the last one silently wins; seeing both is a mistake.
  const cacheFlags = new Set<string>();
  const run = program
    .command('run')
    .description('send one prompt per row and write the table with the responses')
    .argument('<input>', "input table: a path, or '-' for stdin")
    .option('-o, --output <path>', "output path; '-' or omitted = stdout")
    .addOption(new Option('--input-format <format>', 'csv, tsv, jsonl or arrow (default: from the extension, csv for stdin)'))
    .addOption(new Option('--output-format <format>', 'csv, tsv, jsonl or arrow (default: from the extension, csv for stdout)'))
    .option('-c, --column <name>', 'the cell of this column is the prompt')
    .option('-t, --template <text>', 'prompt template with {{column}} placeholders')
    .option('--template-file <path>', 'read the template from a file')
    .option('-s, --system <text>', 'system message')
    .option('--profile <name>', 'settings from a profile of the profiles file; flags win over it (default: the file\'s "default")')
    .option('--config <path>', 'profiles file (default ./llmap.config.json, else $XDG_CONFIG_HOME/llmap/config.json)')
    .option('-p, --provider <name>', 'openai (default), anthropic, echo (answers with the prompt; no network), or a preset such as ollama or groq: see llmap providers')
    .option('-m, --model <name>', 'model id')
    .option('--base-url <url>', 'OpenAI-compatible server (Ollama, vLLM, ...) or Anthropic endpoint')
    .option('--api-key-env <VAR>', 'environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY; not sent to a custom --base-url unless named)')
    .option('--temperature <t>', 'sampling temperature')
    .option('--max-tokens <n>', 'maximum output tokens (Anthropic default 1024)')
    .option('-j, --concurrency <n>', 'most calls in flight at once; llmap adapts between 1 and this to the server (default 64)')
    .option('--rpm <n>', 'at most n requests per minute (default: the limit the server states in its rate-limit headers)')
    .option('--tpm <n>', 'at most n tokens (input + output) per minute (default: the limit the server states)')
    .option('--output-column <name>', 'name of the response column (default response)')
    .option('--metadata', 'add columns error, cached, latency_ms, input_tokens, output_tokens, finish_reason')
    .option('--cache-dir <dir>', 'cache folder (default $XDG_CACHE_HOME/llmap, else ~/.cache/llmap)')
    .option('--cache <uri>', 'the store: sqlite:PATH, file:PATH.json or redis://HOST:PORT[/DB] (default sqlite:<cache-dir>/cache.sqlite)')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--cache-mode <mode>', 'rw (default), read (never store), write (never serve; store only new prompts) or refresh (never serve; replace)')
    .option('--cache-ttl <age>', 'answers expire this long after being stored: 30d, 12h, 90m (default never)')
    .option('--report <file.json>', 'write the run report as JSON')
    .option('--limit <n>', 'only the first n rows')
    .option('--timeout <duration>', 'per-request timeout: 500ms, 30s, 2m; a bare number is seconds (default 120s)')
    .option('--retries <n>', 'retries per row after the first attempt (default 5)')
    .option('--grace <duration>', 'after Ctrl-C, how long calls in flight may finish (default 10s)')
    .option('--relax-column-count', 'accept CSV rows with more or fewer cells than the header (pad with empty cells, drop extras)')
    .option('-q, --quiet', 'no progress, no summary')
    .option('--verbose', 'print each retry and failed row; stack traces for errors')
    .action(async (input: string, opts: RawRunOptions) => {
      if (cacheFlags.has('cache') && cacheFlags.has('no-cache')) {
        throw new UsageError('give --cache URI or --no-cache, not both');
      }
      const { runCommand } = await import('./run-command.js');
      setExitCode(await runCommand(input, opts, cli));
    });
  run.on('option:cache', () => cacheFlags.add('cache'));
  run.on('option:no-cache', () => cacheFlags.add('no-cache'));

  registerProvidersCommand(program, cli);
  registerProfilesCommand(program, cli, setExitCode);
  registerCacheCommand(program, cli);
  return program;
}

/** Entry point used by bin/llmap.js. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const cli = processContext();
  let exitCode: number = EXIT.ok;
  const program = buildProgram(cli, (code) => (exitCode = code));
  program.exitOverride();
  const verbose = argv.includes('--verbose') || Boolean(process.env.DEBUG);
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
