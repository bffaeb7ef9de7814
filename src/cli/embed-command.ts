/** The `llmap embed` command line: its options, shared ones from call-options.ts. */
import { Option, type Command } from 'commander';
import type { RawEmbedOptions } from '../config/embed-config.js';
import { addCacheOptions, addEndpointOptions, addLimitOptions, addReportOptions } from './call-options.js';
import type { CliContext } from './context.js';
import { addParquetOptions } from './parquet-options.js';

/** Adds `llmap embed` to `program`; `setExitCode` receives the run's exit code. */
export function registerEmbedCommand(program: Command, cli: CliContext, setExitCode: (code: number) => void): void {
  const embed = program
    .command('embed')
    .description('embed one column of every row (OpenAI-compatible /v1/embeddings, batched) and write the table with the vectors')
    .argument('<input>', "input table: a path, or '-' for stdin")
    .option('-o, --output <path>', "output path; '-' or omitted = stdout")
    .addOption(new Option('--input-format <format>', 'csv, tsv, jsonl, arrow or parquet (default: from the extension, csv for stdin)'))
    .addOption(new Option('--output-format <format>', 'csv, tsv, jsonl, arrow or parquet (default: from the extension, csv for stdout)'))
    .option('-c, --column <name>', 'the column to embed (required)')
    .option('--batch-size <n>', 'texts per request (default 100)')
    .option('--dimensions <n>', 'ask for vectors of n values (models that support it, e.g. text-embedding-3-*)');
  addParquetOptions(embed);
  addEndpointOptions(embed, 'embeddings');
  addLimitOptions(embed);
  embed.option('--output-column <name>', 'name of the vector column (default embedding)');
  addCacheOptions(embed);
  addReportOptions(embed);
  embed
    .option('--limit <n>', 'only the first n rows')
    .option('--mode <mode>', "realtime (default) or batch (OpenAI's Batch API: half the price, answers within 24h; same output)")
    .option('--batch-fallback <how>', 'with --mode batch: requests that failed in their batch go in a new batch (batch, default) or as realtime calls (realtime)')
    .option('--grace <duration>', 'after Ctrl-C, how long requests in flight may finish (default 10s)')
    .option('--relax-column-count', 'accept CSV rows with more or fewer cells than the header (pad with empty cells, drop extras)')
    .action(async (input: string, opts: RawEmbedOptions) => {
      const { runEmbed } = await import('./embed-runner.js');
      setExitCode(await runEmbed(input, opts, cli));
    });
}
