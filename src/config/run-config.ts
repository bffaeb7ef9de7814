/**
 * The validated configuration of one `llmap run`, built from the command line and the environment.
 * Loading and checking only: nothing here opens files or sockets.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { checkOutputIsNotInput } from './same-file.js';
import { resolveCallConfig, type CallConfig, type RawCallOptions } from './call-config.js';
import { parseWholeNumber } from './parse-values.js';
import { parseMode, resolveBatchFallback, resolveMode, type BatchFallback, type RunMode } from './run-mode.js';
import { resolvePricing, type Pricing } from '../report/price-table.js';
import { batchPricing } from '../report/batch-price.js';

/** The options of `llmap run` as commander hands them over (strings, unvalidated). */
export interface RawRunOptions extends RawCallOptions {
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
export interface RunConfig extends CallConfig {
  input: string;
  inputFormat?: string;
  output: string;
  outputFormat?: string;
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
  const call = resolveCallConfig(raw, env, defaultCacheDir, { keyRequired: !raw.dryRun });
  const limit = raw.limit === undefined ? undefined : parseWholeNumber('--limit', raw.limit, 0);
  const outputColumn = raw.outputColumn ?? 'response';
  if (outputColumn.trim() === '') throw new UsageError(`--output-column needs a name`);
  const output = raw.output ?? '-';
  checkOutputIsNotInput(input, output);
  const mode = resolveMode(raw.mode, call);
  if (mode === 'batch' && raw.maxCost !== undefined && !raw.dryRun) {
    throw new UsageError('--max-cost cannot stop a batch part way (it is paid as a whole once it runs); see its cost first with --mode batch --dry-run');
  }
  const listPrice = resolvePricing({ profilePrice: call.price, providerName: call.providerName, model: call.model });
  const pricing = mode === 'batch' ? batchPricing(listPrice) : listPrice;
  const maxCostUsd = raw.maxCost === undefined ? undefined : parseMaxCost(raw.maxCost, pricing, call.model);
  return {
    ...call,
    input,
    inputFormat: raw.inputFormat,
    output,
    outputFormat: raw.outputFormat,
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
  };
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
