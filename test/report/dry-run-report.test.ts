import { describe, expect, it } from 'vitest';
import { dryRunReport, formatDryRun } from '../../src/report/dry-run-report.js';

const counts = { rows: 1200, skipped: 3, cacheHits: 197, requests: 1000, inputTokens: 150_000 };
const run = { provider: 'openai', model: 'gpt-4o-mini', input: 'in.csv', apiKey: 'sk-secret' };
const pricing = { input: 0.15, output: 0.6, source: 'built-in table (as of 2025-11-01)' };

describe('dryRunReport and formatDryRun', () => {
  it('bounds the cost by the input alone and by input + max tokens per request', () => {
    const report = dryRunReport(counts, { model: 'gpt-4o-mini', maxTokens: 200, pricing, inputTokensMethod: 'gpt-tokenizer o200k_base', run });
    expect(report).toEqual({
      llmapDryRun: 1,
      run: { provider: 'openai', model: 'gpt-4o-mini', input: 'in.csv' },
      ...counts,
      inputTokensMethod: 'gpt-tokenizer o200k_base',
      outputTokensMax: 200_000,
      price: pricing,
      cost: { low: 0.0225, high: 0.1425 },
    });
    expect(formatDryRun(report, 200)).toBe(
      [
        'llmap dry run for gpt-4o-mini: nothing was sent',
        '  rows              1,200',
        '  skipped (empty)   3',
        '  cache hits        197',
        '  requests to send  1,000',
        '  input tokens      150,000 (gpt-tokenizer o200k_base)',
        '  output tokens     at most 200,000 (1,000 × max tokens 200)',
        '  cost              $0.0225 – $0.1425 (at $0.15 in / $0.60 out per million tokens, from the built-in table (as of 2025-11-01))',
        '',
      ].join('\n'),
    );
  });

  it('without max tokens the output is unbounded and the cost is the input only', () => {
    const report = dryRunReport(counts, { model: 'gpt-4o-mini', pricing, inputTokensMethod: 'm', maxCostUsd: 0.01, run });
    expect(report.outputTokensMax).toBeNull();
    expect(report.cost).toEqual({ low: 0.0225, high: null });
    expect(report.maxCost).toBe(0.01);
    const text = formatDryRun(report, undefined);
    expect(text).toContain('\n  output tokens     unbounded: set --max-tokens for an upper bound\n');
    expect(text).toContain('\n  cost              $0.0225 for the input; output unbounded: set --max-tokens (at $0.15 in');
    expect(text).toContain('\n  --max-cost        $0.01: the input alone reaches it; the run would stop early\n');
  });

  it('says when the price is unknown, and what to add', () => {
    const report = dryRunReport(counts, { model: 'my-model', maxTokens: 10, inputTokensMethod: 'm', run: { model: 'my-model' } });
    expect(report.price).toBeNull();
    expect(report.cost).toBeNull();
    expect(formatDryRun(report, 10)).toContain(
      '\n  cost              unknown price for model my-model: add "price": {"input": USD, "output": USD} (per million tokens) to the profile\n',
    );
  });
});
