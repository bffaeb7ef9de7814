/**
 * The validated configuration of one `llmap embed`: the shared endpoint, limits and cache settings
 * (a profile filling what the flags leave out) plus the embed flags. Loading and checking only.
 */
import { defaultCacheDir } from '../cache/default-dir.js';
import { UsageError } from '../errors.js';
import { checkOutputIsNotInput } from './same-file.js';
import { NO_EMBEDDINGS_MESSAGE } from '../providers/embeddings.js';
import { presetEndpoint } from './apply-preset.js';
import { resolveCallConfig, type CallConfig, type RawCallOptions } from './call-config.js';
import { loadProfileOptions } from './load-profile-options.js';
import { resolveParquetOptions, type RawParquetOptions } from './parquet-config.js';
import { parseWholeNumber } from './parse-values.js';
import type { ParquetWriteOptions } from '../io/parquet-options.js';
import { parseMode, resolveBatchFallback, resolveMode, type BatchFallback, type RunMode } from './run-mode.js';

/** The options of `llmap embed` as commander hands them over (strings, unvalidated). */
export interface RawEmbedOptions extends RawCallOptions, RawParquetOptions {
  output?: string;
  inputFormat?: string;
  outputFormat?: string;
  column?: string;
  batchSize?: string;
  dimensions?: string;
  outputColumn?: string;
  limit?: string;
  relaxColumnCount?: boolean;
  /** --mode: realtime or batch. */
  mode?: string;
  /** --batch-fallback: batch or realtime. */
  batchFallback?: string;
}

/** A validated `llmap embed`. */
export interface EmbedConfig extends CallConfig {
  input: string;
  inputFormat?: string;
  output: string;
  outputFormat?: string;
  /** Parquet output settings from the flags; undefined = the defaults. */
  parquet?: ParquetWriteOptions;
  /** The column whose cells are embedded. */
  column: string;
  /** Texts per request. */
  batchSize: number;
  /** `dimensions` to ask for (sent, and part of the cache key); undefined = the model's own. */
  dimensions?: number;
  outputColumn: string;
  limit?: number;
  relaxColumnCount: boolean;
  mode: RunMode;
  /** Where requests that failed in their batch go. */
  batchFallback: BatchFallback;
}

/** Texts per request by default: OpenAI takes up to 2,048, many compatible servers far fewer. */
export const DEFAULT_BATCH_SIZE = 100;

/** The flags with the profile merged in, validated; throws UsageError naming the flag or profile. */
export async function loadEmbedConfig(
  input: string,
  raw: RawEmbedOptions,
  where: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<EmbedConfig> {
  const merged = await loadProfileOptions(raw, where);
  return resolveEmbedConfig(input, merged, where.env, () => defaultCacheDir(where.env));
}

/** Validates the raw options (a profile's settings already merged in). */
export function resolveEmbedConfig(
  input: string,
  raw: RawEmbedOptions,
  env: NodeJS.ProcessEnv,
  defaultCacheDirOf: () => string,
): EmbedConfig {
  if (raw.column === undefined) throw new UsageError('say which column to embed: -c COLUMN');
  // Checked before the shared options, whose messages (a missing key, a chat model example) would mislead here.
  const kind = presetEndpoint(raw, env).preset.kind;
  if (kind === 'anthropic') throw new UsageError(NO_EMBEDDINGS_MESSAGE);
  if (raw.model === undefined && kind !== 'echo') {
    throw new UsageError('missing --model: name the embedding model, e.g. -m text-embedding-3-small');
  }
  parseMode(raw.mode);
  const call = resolveCallConfig(raw, env, defaultCacheDirOf);
  const mode = resolveMode(raw.mode, call);
  const batchSize = raw.batchSize === undefined ? DEFAULT_BATCH_SIZE : parseWholeNumber('--batch-size', raw.batchSize, 1, 100_000);
  const dimensions = raw.dimensions === undefined ? undefined : parseWholeNumber('--dimensions', raw.dimensions, 1, 1_000_000);
  const limit = raw.limit === undefined ? undefined : parseWholeNumber('--limit', raw.limit, 0);
  const outputColumn = raw.outputColumn ?? 'embedding';
  if (outputColumn.trim() === '') throw new UsageError('--output-column needs a name');
  const output = raw.output ?? '-';
  checkOutputIsNotInput(input, output);
  const parquet = resolveParquetOptions(raw);
  return {
    ...call,
    input,
    inputFormat: raw.inputFormat,
    output,
    outputFormat: raw.outputFormat,
    ...(parquet !== undefined && { parquet }),
    column: raw.column,
    batchSize,
    ...(dimensions !== undefined && { dimensions }),
    outputColumn,
    ...(limit !== undefined && { limit }),
    relaxColumnCount: raw.relaxColumnCount ?? false,
    mode,
    batchFallback: resolveBatchFallback(raw.batchFallback, mode),
  };
}
