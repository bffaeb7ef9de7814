// --max-cost through the built CLI: the run stops starting calls once the spend reaches the limit,
// keeps a true prefix as .partial, exits 2, and a rerun with a bigger budget sends only the rest.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();
beforeEach(() => {
  writeFileSync(path.join(dir, 'in.csv'), 'text\n' + Array.from({ length: 10 }, (_, i) => `row ${i}`).join('\n') + '\n');
});

function llmap(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: { XDG_CONFIG_HOME: path.join(dir, 'config-home'), XDG_CACHE_HOME: path.join(dir, 'cache-home') } });
}

function priced(price = { input: 1000, output: 1000 }): void {
  writeFileSync(path.join(dir, 'llmap.config.json'), JSON.stringify({ profiles: { p: { model: 'test', baseURL: `${server.url}/v1`, price } }, default: 'p' }));
}

const expectedRows = (n: number) => 'text,response\n' + Array.from({ length: n }, (_, i) => `row ${i},echo:row ${i}\n`).join('');

describe('--max-cost', () => {
  it('stops starting calls once the spend reaches it, keeps a true prefix, exits 2; a rerun sends only the rest', async () => {
    // The fake counts words: "row i" is 2 tokens in, "echo:row i" 2 out: $0.004 a row at $1,000 per million.
    priced();
    const res = await llmap(['run', 'in.csv', '-c', 'text', '-j', '1', '--max-cost', '0.01', '-o', 'out.csv', '--report', 'report.json']);
    expect(res.code).toBe(2);
    // The third row reaches $0.012; the call already in flight then (at most one at -j 1) finishes and is paid for.
    const sent = server.requests.length;
    expect([3, 4]).toContain(sent);
    const spent = (sent * 0.004).toFixed(4);
    expect(res.stderr).toContain('llmap: spent $0.0120, reaching --max-cost $0.01: starting no new calls; waiting up to 10s for the calls in flight');
    expect(res.stderr).toContain('  stopped: --max-cost $0.01 reached (spent $0.0120 when the stop began)\n');
    expect(res.stderr).toContain('  price $1,000.00 in / $1,000.00 out per million tokens, from the profile\n');
    expect(res.stderr.endsWith(`llmap: stopped: spent $${spent}, reaching --max-cost $0.01; ${10 - sent} rows not sent; the rows finished so far are in out.csv.partial\n`)).toBe(true);
    expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
    expect(readFileSync(path.join(dir, 'out.csv.partial'), 'utf8')).toBe(expectedRows(sent));
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({
      exitCode: 2,
      stopped: '--max-cost $0.01 reached (spent $0.0120 when the stop began)',
      rows: { total: sent, sent },
      cost: sent * 0.004,
      price: { input: 1000, output: 1000, source: 'profile' },
    });

    server.reset();
    const rerun = await llmap(['run', 'in.csv', '-c', 'text', '-j', '1', '--max-cost', '1', '-o', 'out.csv', '-q']);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(server.requests.map((r) => r.body.messages[0].content)).toEqual(
      Array.from({ length: 10 - sent }, (_, i) => `row ${sent + i}`),
    );
    expect(readFileSync(path.join(dir, 'out.csv'), 'utf8')).toBe(expectedRows(10));
  });

  it('cached rows cost nothing: with 5 of 10 rows cached, $0.03 covers the other 5 (all 10 would cost $0.04)', async () => {
    priced();
    const warm = await llmap(['run', 'in.csv', '-c', 'text', '--limit', '5', '-q']);
    expect(warm.code).toBe(0);
    server.reset();
    // 5 cached rows are free; the 5 others cost $0.004 each = $0.02, under $0.03.
    const res = await llmap(['run', 'in.csv', '-c', 'text', '-j', '1', '--max-cost', '0.03', '-o', 'out.csv', '-q']);
    expect(res.code).toBe(0);
    expect(server.requests).toHaveLength(5);
    expect(readFileSync(path.join(dir, 'out.csv'), 'utf8')).toBe(expectedRows(10));
  });

  it('needs a known price: a model without one is a usage error naming it, before anything is sent', async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--max-cost', '5']);
    expect(res.stderr).toBe(
      `llmap: --max-cost needs the price of model 'test', which llmap does not know; add "price": {"input": USD, "output": USD} (per million tokens) to the profile\n`,
    );
    expect(res.code).toBe(1);
    expect(server.requests).toHaveLength(0);
  });

  it('is checked as a positive amount of dollars', async () => {
    priced();
    for (const bad of ['0', '-1', 'abc', '$5']) {
      const res = await llmap(['run', 'in.csv', '-c', 'text', `--max-cost=${bad}`]);
      expect(res.stderr).toBe(`llmap: expected --max-cost to be an amount of US dollars > 0 such as 5 or 0.25, got '${bad}'\n`);
      expect(res.code).toBe(1);
    }
    expect(server.requests).toHaveLength(0);
  });
});
