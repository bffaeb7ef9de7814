import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { formatSummary, writeReportFile, type RunReport } from '../../src/report/run-report.js';

function fixedReport(over: Partial<RunReport> = {}): RunReport {
  return {
    llmapReport: 1,
    run: { provider: 'openai', model: 'gpt-4o-mini', input: 'reviews.csv', output: 'out.csv' },
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: '2025-01-02T03:04:17.300Z',
    durationMs: 12_300,
    rows: { total: 1000, sent: 700, cached: 290, skipped: 5, failed: 5 },
    requests: 712,
    retries: 12,
    rateLimited: 7,
    requestsPerMinute: 3473.2,
    concurrency: { max: 16, final: 12, min: 4 },
    tokens: { input: 35_201, output: 9_876, cachedInput: 0, cachedOutput: 0 },
    latencyMs: { p50: 410.2, p95: 1234.5, p99: 2000, max: 3000, mean: 500 },
    rowsPerSecond: 81.3,
    errors: [
      { message: 'bad request (400): context too long', count: 12 },
      { message: 'timeout after 60s', count: 3 },
    ],
    exitCode: 1,
    ...over,
  };
}

describe('formatSummary', () => {
  it('prints the counts, requests, tokens, latency and errors on aligned lines', () => {
    expect(formatSummary(fixedReport())).toBe(
      [
        'llmap: 1,000 rows in 12.3s (81.3 rows/s): 700 sent, 290 cached, 5 skipped, 5 failed',
        '  requests 712 (12 retries) · tokens in 35,201 / out 9,876 · latency p50 410ms p95 1.2s',
        '  pace 3,473 requests/min · concurrency 12 (min 4, max 16) · 7 rate-limited (429)',
        '  errors: 12 × bad request (400): context too long',
        '           3 × timeout after 60s',
      ].join('\n'),
    );
  });

  it('shows saved tokens, the stop reason, and leaves out latency, pace and errors when there are none', () => {
    const report = fixedReport({
      durationMs: 754_000,
      rows: { total: 1, sent: 0, cached: 1, skipped: 0, failed: 0 },
      requests: 0,
      retries: 1,
      tokens: { input: 0, output: 0, cachedInput: 1_234, cachedOutput: 56 },
      latencyMs: null,
      rowsPerSecond: 0,
      errors: [],
      stopped: 'interrupted (Ctrl-C)',
    });
    expect(formatSummary(report)).toBe(
      [
        'llmap: 1 row in 12m 34s (0.0 rows/s): 0 sent, 1 cached, 0 skipped, 0 failed',
        '  stopped: interrupted (Ctrl-C)',
        '  requests 0 (1 retry) · tokens in 0 / out 0 · saved by cache in 1,234 / out 56',
      ].join('\n'),
    );
  });
});

describe('writeReportFile', () => {
  it('replaces the file with valid JSON and leaves no temp file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'llmap-report-'));
    const path = join(dir, 'report.json');
    await writeFile(path, 'old content');
    await writeReportFile(path, fixedReport());
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(fixedReport());
    expect(await readdir(dir)).toEqual(['report.json']);
  });

  it('names the path when the folder does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'llmap-report-'));
    const path = join(dir, 'missing', 'report.json');
    const err = await writeReportFile(path, fixedReport()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot write the run report to ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT.*; check the report path$`),
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
