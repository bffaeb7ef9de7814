/** The result of --dry-run: its JSON shape (written with --report) and the table printed on stdout. */
import type { DryRunCounts } from '../engine/dry-run.js';
import { formatCount, formatPrice, formatUsd } from './format-units.js';
import { costOf, type Pricing } from './price-table.js';
import { safeRunInfo, type RunInfo } from './run-report.js';

/** The JSON report of a dry run. Bump `llmapDryRun` when a field changes meaning or goes away. */
export interface DryRunReport {
  /** Format version of this object (a run's report has `llmapReport` instead). */
  llmapDryRun: 1;
  /** Caller-given context: provider, model, input. */
  run: RunInfo;
  /** Input rows read. */
  rows: number;
  /** Rows with an empty prompt, never sent. */
  skipped: number;
  /** Rows the cache (or an identical prompt earlier in the input) would answer. */
  cacheHits: number;
  /** Requests the run would send. */
  requests: number;
  /** Input tokens of those requests, chat overhead included. */
  inputTokens: number;
  /** How inputTokens was counted: "gpt-tokenizer o200k_base", or the estimate's rule. */
  inputTokensMethod: string;
  /** Upper bound of the output tokens: requests × max tokens; null when no max tokens is set (unbounded). */
  outputTokensMax: number | null;
  /** US dollars per million tokens and their source; null when the model's price is unknown. */
  price: { input: number; output: number; source: string } | null;
  /** US dollars: `low` = the input alone, `high` = input + outputTokensMax (null when unbounded); null without a price. */
  cost: { low: number; high: number | null } | null;
  /** --max-cost, when given, in US dollars. */
  maxCost?: number;
  /** --mode batch: the batches the requests would fill, by the vendor's limits (the price is the batch price). */
  batches?: { count: number; maxRequests: number; maxBytes: number; vendor: string };
}

/** What the numbers are about. */
export interface DryRunContext {
  model: string;
  /** --max-tokens (or the provider's default); undefined = no limit is sent. */
  maxTokens?: number;
  pricing?: Pricing;
  /** From TokenCounter.method. */
  inputTokensMethod: string;
  maxCostUsd?: number;
  run: RunInfo;
  batches?: DryRunReport['batches'];
}

/** The report of a dry run from its counts. */
export function dryRunReport(counts: DryRunCounts, ctx: DryRunContext): DryRunReport {
  const outputTokensMax = ctx.maxTokens === undefined ? null : counts.requests * ctx.maxTokens;
  const p = ctx.pricing;
  const report: DryRunReport = {
    llmapDryRun: 1,
    run: safeRunInfo(ctx.run),
    ...counts,
    inputTokensMethod: ctx.inputTokensMethod,
    outputTokensMax,
    price: p ? { input: p.input, output: p.output, source: p.source } : null,
    cost: p
      ? {
          low: costOf(p, counts.inputTokens, 0),
          high: outputTokensMax === null ? null : costOf(p, counts.inputTokens, outputTokensMax),
        }
      : null,
  };
  if (ctx.maxCostUsd !== undefined) report.maxCost = ctx.maxCostUsd;
  if (ctx.batches !== undefined) report.batches = ctx.batches;
  return report;
}

/** The lines printed on stdout, each ending in a newline. */
export function formatDryRun(report: DryRunReport, maxTokens: number | undefined): string {
  const model = String(report.run.model ?? '');
  const rows: [string, string][] = [
    ['rows', formatCount(report.rows)],
    ['skipped (empty)', formatCount(report.skipped)],
    ['cache hits', formatCount(report.cacheHits)],
    ['requests to send', formatCount(report.requests)],
    ['input tokens', `${formatCount(report.inputTokens)} (${report.inputTokensMethod})`],
    [
      'output tokens',
      report.outputTokensMax === null
        ? 'unbounded: set --max-tokens for an upper bound'
        : `at most ${formatCount(report.outputTokensMax)} (${formatCount(report.requests)} × max tokens ${formatCount(maxTokens ?? 0)})`,
    ],
    ['cost', formatCost(report, model)],
  ];
  const b = report.batches;
  if (b !== undefined) {
    const limits = `${b.vendor}: at most ${formatCount(b.maxRequests)} requests and ${formatCount(b.maxBytes / 1e6)} MB each`;
    rows.splice(4, 0, ['batches', `${formatCount(b.count)} (${limits})`]);
  }
  if (report.maxCost !== undefined) rows.push(['--max-cost', formatMaxCost(report)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [`llmap dry run for ${model}: nothing was sent`, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)];
  return lines.join('\n') + '\n';
}

function formatCost(report: DryRunReport, model: string): string {
  const { price, cost } = report;
  if (price === null || cost === null) {
    return `unknown price for model ${model}: add "price": {"input": USD, "output": USD} (per million tokens) to the profile`;
  }
  if (price.input === 0 && price.output === 0) return `free (${price.source})`;
  const at = `at ${formatPrice(price.input)} in / ${formatPrice(price.output)} out per million tokens, from the ${price.source}`;
  if (cost.high === null) return `${formatUsd(cost.low)} for the input; output unbounded: set --max-tokens (${at})`;
  return `${formatUsd(cost.low)} – ${formatUsd(cost.high)} (${at})`;
}

function formatMaxCost(report: DryRunReport): string {
  const max = report.maxCost!;
  const cost = report.cost!;
  const head = `${formatPrice(max)}: `;
  if (cost.low >= max) return head + 'the input alone reaches it; the run would stop early';
  if (cost.high === null || cost.high >= max) return head + 'the run may stop early, depending on the answers\' length';
  return head + 'the run fits within it';
}
