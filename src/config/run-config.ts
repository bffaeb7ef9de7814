/**
 * The validated configuration of one `llmap run`, built from the command line and the environment.
 * Loading and checking only: nothing here opens files or sockets.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { checkOutputIsNotInput } from './same-file.js';
import { resolveCallConfig, type CallConfig, type RawCallOptions } from './call-config.js';
import { resolveTypedConfig, type RawTypedOptions, type TypedConfig } from './typed-config.js';
import { resolveParquetOptions, type RawParquetOptions } from './parquet-config.js';
import { parseWholeNumber } from './parse-values.js';
import type { ParquetWriteOptions } from '../io/parquet-options.js';
import { resolvePricing, type Pricing } from '../report/price-table.js';
import { parseQueueConfig, type QueueConfig } from './queue-config.js';
import { parseMode, resolveBatchFallback, resolveMode, type BatchFallback, type RunMode } from './run-mode.js';
import { batchPricing } from '../report/batch-price.js';

/** The options of `llmap run` as commander hands them over (strings, unvalidated). */
export interface RawRunOptions extends RawCallOptions, RawTypedOptions, RawParquetOptions {
  output?: string;
  inputFormat?: string;
  outputFormat?: string;
  column?: string;
  template?: string;
  templateFile?: string;
  outputColumn?: string;
  metadata?: boolean;
  limit?: string;
  relaxColumnCount?: boolean;
  /** --dry-run: count what would be sent, send nothing. */
  dryRun?: boolean;
  /** --max-cost: US dollars. */
  maxCost?: string;
  /** --queue: a Redis URL; the rows go to `llmap worker` processes through it. */
  queue?: string;
  /** --chunk-size: rows per queued chunk. */
  chunkSize?: string;
  /** --mode: realtime or batch. */
  mode?: string;
  /** --batch-fallback: batch or realtime. */
  batchFallback?: string;
}

/** How each row's prompt is made. */
export type PromptSource =
  | { kind: 'column'; column: string }
  | { kind: 'template'; template: string; where: string };

/** A validated run. */
export interface RunConfig extends CallConfig, TypedConfig {
  input: string;
  inputFormat?: string;
  output: string;
  outputFormat?: string;
  /** Parquet output settings from the flags; undefined = the defaults. */
  parquet?: ParquetWriteOptions;
  prompt: PromptSource;
  relaxColumnCount: boolean;
  outputColumn: string;
  metadata: boolean;
  limit?: number;
  /** Count what would be sent and print it; send nothing. */
  dryRun: boolean;
  /** Stop starting calls once this many US dollars are spent. */
  maxCostUsd?: number;
  /** The price of the model: the profile's, else the built-in table's; undefined when unknown. */
  pricing?: Pricing;
  /** --queue: workers elsewhere answer the rows; this process reads, enqueues and writes. */
  queue?: QueueConfig;
  /** --queue with a profile naming several keys: the workers spread their calls over them. */
  apiKeyEnvs?: string[];
  /** realtime: one request per row; batch: the vendor's batch endpoint (see engine/batch/). */
  mode: RunMode;
  /** Where requests that failed in their batch go. */
  batchFallback: BatchFallback;
}



/**
 * Validates the raw options (the flags, with a profile's settings already merged in) and applies the
 * provider preset. Throws UsageError with a message naming the flag.
 */
export function resolveRunConfig(
  input: string,
  raw: RawRunOptions,
  env: NodeJS.ProcessEnv,
  defaultCacheDir: () => string,
): RunConfig {
  const prompt = resolvePrompt(raw);
  parseMode(raw.mode);
  const queue = resolveQueue(raw);
  // With --queue the workers call the provider with the keys of their own environment.
  const call = resolveCallConfig(queue ? withQueueCache(raw, queue) : raw, env, defaultCacheDir, { keyRequired: !raw.dryRun && !queue, keyList: queue !== undefined });
  const limit = raw.limit === undefined ? undefined : parseWholeNumber('--limit', raw.limit, 0);
  const typed = resolveTypedConfig(raw);
  if (typed.answerSchema && raw.outputColumn !== undefined) {
    throw new UsageError('--output-column names the response column, which a run with --schema or --fields does not write (each property is a column)');
  }
  // The queue's chunks carry text prompts only; workers would send plain requests and write no typed columns.
  if (typed.answerSchema && queue) throw new UsageError('--queue does not carry --schema/--fields yet; run typed answers without --queue');
  const outputColumn = raw.outputColumn ?? 'response';
  if (outputColumn.trim() === '') throw new UsageError(`--output-column needs a name`);
  const output = raw.output ?? '-';
  checkOutputIsNotInput(input, output);
  const parquet = resolveParquetOptions(raw);
  const mode = resolveMode(raw.mode, call);
  // Batch requests are built as plain chat bodies, and the queue's workers answer in realtime.
  if (mode === 'batch' && typed.answerSchema) throw new UsageError('--mode batch does not send --schema/--fields yet; run typed answers in realtime');
  if (mode === 'batch' && queue) throw new UsageError('--mode batch and --queue do not go together: batches are submitted by this process');
  if (mode === 'batch' && raw.maxCost !== undefined && !raw.dryRun) {
    throw new UsageError('--max-cost cannot stop a batch part way (it is paid as a whole once it runs); see its cost first with --mode batch --dry-run');
  }
  const listPrice = resolvePricing({ profilePrice: call.price, providerName: call.providerName, model: call.model });
  const pricing = mode === 'batch' ? batchPricing(listPrice) : listPrice;
  const maxCostUsd = raw.maxCost === undefined ? undefined : parseMaxCost(raw.maxCost, pricing, call.model);
  return {
    ...call,
    ...typed,
    input,
    inputFormat: raw.inputFormat,
    output,
    outputFormat: raw.outputFormat,
    ...(parquet !== undefined && { parquet }),
    prompt,
    relaxColumnCount: raw.relaxColumnCount ?? false,
    outputColumn,
    metadata: raw.metadata ?? false,
    limit,
    dryRun: raw.dryRun ?? false,
    mode,
    batchFallback: resolveBatchFallback(raw.batchFallback, mode),
    ...(maxCostUsd !== undefined && { maxCostUsd }),
    ...(pricing !== undefined && { pricing }),
    ...(queue !== undefined && { queue }),
    ...(queue !== undefined && raw.apiKeyEnvs !== undefined && raw.apiKeyEnvs.length > 1 && { apiKeyEnvs: raw.apiKeyEnvs }),
  };
}

function resolveQueue(raw: RawRunOptions): QueueConfig | undefined {
  if (raw.queue === undefined) {
    if (raw.chunkSize !== undefined) throw new UsageError('--chunk-size is the size of the chunks of --queue; add --queue redis://HOST:PORT');
    return undefined;
  }
  return parseQueueConfig(raw.queue, raw.chunkSize);
}

/** The workers share their answers through the queue's Redis: that is the run's cache too. */
function withQueueCache(raw: RawRunOptions, queue: QueueConfig): RawRunOptions {
  if (raw.cache === false) return raw;
  if (raw.cache !== undefined && raw.cache !== queue.url) {
    throw new UsageError('with --queue the workers cache answers in the queue\'s Redis; drop --cache (or give --no-cache)');
  }
  return { ...raw, cache: queue.url };
}

/** --max-cost: dollars > 0, and a price to count them with. */
function parseMaxCost(raw: string, pricing: Pricing | undefined, model: string): number {
  const usd = /^\s*\d*\.?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(usd) || usd <= 0) {
    throw new UsageError(`expected --max-cost to be an amount of US dollars > 0 such as 5 or 0.25, got '${raw}'`);
  }
  if (pricing === undefined) {
    throw new UsageError(
      `--max-cost needs the price of model '${model}', which llmap does not know; ` +
        'add "price": {"input": USD, "output": USD} (per million tokens) to the profile',
    );
  }
  return usd;
}

function resolvePrompt(raw: RawRunOptions): PromptSource {
  const given = [raw.column, raw.template, raw.templateFile].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new UsageError(
      given === 0
        ? 'say what to send: -c COLUMN (the cell is the prompt) or -t TEMPLATE / --template-file FILE with {{column}} placeholders'
        : 'give only one of -c/--column, -t/--template and --template-file',
    );
  }
  if (raw.column !== undefined) return { kind: 'column', column: raw.column };
  if (raw.template !== undefined) return { kind: 'template', template: raw.template, where: '--template' };
  const file = raw.templateFile!;
  let template: string;
  try {
    template = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? 'unreadable';
    throw new UsageError(`cannot read --template-file '${file}': ${why}`);
  }
  // A trailing newline from the editor is not part of the prompt.
  return { kind: 'template', template: template.replace(/\r?\n$/, ''), where: `template file ${file}` };
}
