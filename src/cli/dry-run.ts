/**
 * `llmap run --dry-run`: the run's input, prompts and cache, counted instead of sent. Never opens
 * the provider, so not one connection is made to it.
 */
import type { RunConfig } from '../config/run-config.js';
import { dryRun } from '../engine/dry-run.js';
import { take } from '../engine/take.js';
import type { TableSource } from '../io/table.js';
import { loadTokenCounter, type TokenCounter } from '../prompt/count-tokens.js';
import { nativeStructured } from '../providers/typed-provider.js';
import { schemaSystemMessage } from '../schema/schema-prompt.js';
import type { RenderRow } from '../prompt/template.js';
import type { ChatRequest } from '../providers/provider.js';
import { dryRunReport, formatDryRun } from '../report/dry-run-report.js';
import type { RunInfo } from '../report/run-report.js';
import { isHtmlReportPath, writeReportFile } from '../report/run-report.js';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { chatCacheKey, openCache, providerOptions } from './open-resources.js';

/** What the dry run shares with the run it stands in for. */
export interface DryRunInputs {
  config: RunConfig;
  source: TableSource;
  render: RenderRow;
  /** The run's cache key. */
  cacheKey: (request: ChatRequest) => string;
  run: RunInfo;
}

/** Tokens the schema adds to each request of the run (0 without one): its JSON text as it is sent. */
function schemaTokens(config: RunConfig, counter: TokenCounter): number {
  if (config.answerSchema === undefined) return 0;
  const native = config.schemaMode === 'prompt' ? undefined : nativeStructured(config.provider, config.answerSchema);
  const text = native ? JSON.stringify(native.schema) : schemaSystemMessage(undefined, config.answerSchema.schema);
  return counter.count({ prompt: text }) - counter.count({ prompt: '' });
}

/** Counts, prints the table on stdout (and the report with --report); returns the exit code. */
export async function dryRunCommand(inputs: DryRunInputs, cli: CliContext): Promise<number> {
  const { config } = inputs;
  if (config.reportPath && isHtmlReportPath(config.reportPath)) {
    throw new UsageError(`a dry run's report is JSON (it has no charts): name a .json file for --report, not ${config.reportPath}`);
  }
  const counter = await loadTokenCounter(config.model);
  // A typed run sends the schema with every request (as response_format, a tool or in the system message).
  const perRequest = schemaTokens(config, counter);
  const cache = await openCache(config);
  const batches = config.mode === 'batch' ? await batchCounter(config) : undefined;
  let counts;
  try {
    const rows = config.limit === undefined ? inputs.source.rows : take(inputs.source.rows, config.limit);
    counts = await dryRun(rows, {
      render: inputs.render,
      system: config.system,
      cache,
      cacheKey: inputs.cacheKey,
      countTokens: perRequest === 0 ? counter.count : (request) => counter.count(request) + perRequest,
      repeatsAreHits: config.cacheDir !== undefined && (config.cacheMode === 'rw' || config.cacheMode === 'read'),
      ...(batches && { onSend: batches.add }),
    });
  } finally {
    await cache.close();
  }
  const report = dryRunReport(counts, {
    model: config.model,
    maxTokens: config.params.maxTokens,
    pricing: config.pricing,
    inputTokensMethod: perRequest === 0 ? counter.method : `${counter.method}; the schema adds ${perRequest} per request`,
    maxCostUsd: config.maxCostUsd,
    run: inputs.run,
    ...(batches && { batches: batches.report() }),
  });
  if (config.reportPath) await writeReportFile(config.reportPath, report);
  cli.stdout.write(formatDryRun(report, config.params.maxTokens));
  return EXIT.ok;
}

/** Packs the requests of a --mode batch dry run into batches as the run would (by count and bytes). */
async function batchCounter(config: RunConfig) {
  const { createBatchApi } = await import('../providers/batch/factory.js');
  const { BatchPacker } = await import('../engine/batch/split-batches.js');
  const { bodyBuilder } = await import('./batch-run.js');
  const { customIdOf } = await import('../providers/batch/batch-api.js');
  // Building the client makes no connection; it only knows the vendor's limits and line format.
  const api = await createBatchApi(providerOptions(config));
  const body = await bodyBuilder(config);
  const key = chatCacheKey(config);
  const packer = new BatchPacker(api.maxRequests, api.maxBytes);
  return {
    add: (request: ChatRequest) => void packer.add(Buffer.byteLength(api.line(customIdOf(key(request)), body(request))) + 1),
    report: () => ({ count: packer.batches, maxRequests: api.maxRequests, maxBytes: api.maxBytes, vendor: api.vendor }),
  };
}
