// --dry-run through the built CLI: exact counts, tokens and cost for a fixture with cached rows,
// repeats and empty cells, and not one request (or connection) to the server.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();
beforeEach(() => {
  // Rows 1-2 get cached by a first run; 4 and 7 repeat them; 9 repeats 8; 3 and 6 are empty.
  writeFileSync(
    path.join(dir, 'in.csv'),
    'id,text\n1,hello world\n2,The soup was cold.\n3,\n4,hello world\n5,こんにちは世界\n6,   \n7,The soup was cold.\n8,Bonjour tout le monde\n9,Bonjour tout le monde\n',
  );
});

function llmap(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, env: { XDG_CONFIG_HOME: path.join(dir, 'config-home'), XDG_CACHE_HOME: path.join(dir, 'cache-home') } });
}

const common = () => ['run', 'in.csv', '-c', 'text', '-m', 'gpt-4o-mini', '--base-url', `${server.url}/v1`, '-s', 'Be brief.'];

describe('--dry-run', () => {
  it('prints rows, skipped, cache hits, requests, tokens and the cost range, and sends nothing', async () => {
    const first = await llmap([...common(), '--max-tokens', '100', '--limit', '2', '-q']);
    expect(first.code).toBe(0);
    expect(server.requests).toHaveLength(2);
    server.reset();
    const connectionsBefore = server.connections;

    const res = await llmap([...common(), '--max-tokens', '100', '--dry-run', '-o', 'out.csv', '--report', 'dry.json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(server.connections).toBe(connectionsBefore);
    expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
    // Tokens (gpt-tokenizer o200k_base): こんにちは世界 2, Bonjour tout le monde 4, Be brief. 3; plus
    // 3 per request and 4 per message: (3 + 4+2 + 4+3) + (3 + 4+4 + 4+3) = 16 + 18 = 34.
    // Cost at $0.15 / $0.60 per million: 34 × 0.15 = $0.0000051 (to the micro-dollar $0.000005);
    // + 2 × 100 × 0.6 = $0.000125.
    expect(res.stdout).toBe(
      [
        'llmap dry run for gpt-4o-mini: nothing was sent',
        '  rows              9',
        '  skipped (empty)   2',
        '  cache hits        5',
        '  requests to send  2',
        '  input tokens      34 (gpt-tokenizer o200k_base)',
        '  output tokens     at most 200 (2 × max tokens 100)',
        '  cost              $0.0000050 – $0.00013 (at $0.15 in / $0.60 out per million tokens, from the built-in table (as of 2025-11-01))',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'dry.json'), 'utf8'))).toEqual({
      llmapDryRun: 1,
      run: {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseURL: `${server.url}/v1`,
        input: 'in.csv',
        output: 'out.csv',
        concurrency: 64,
        rpm: null,
        tpm: null,
        cache: `sqlite:${path.join(dir, 'cache-home', 'llmap', 'cache.sqlite')}`,
      },
      rows: 9,
      skipped: 2,
      cacheHits: 5,
      requests: 2,
      inputTokens: 34,
      inputTokensMethod: 'gpt-tokenizer o200k_base',
      outputTokensMax: 200,
      price: { input: 0.15, output: 0.6, source: 'built-in table (as of 2025-11-01)' },
      cost: { low: 0.000005, high: 0.000125 },
    });

    // The run then sends exactly the requests the dry run counted.
    const real = await llmap([...common(), '--max-tokens', '100', '-q']);
    expect(real.code).toBe(0);
    expect(server.requests.map((r) => r.body.messages[1].content)).toEqual(['こんにちは世界', 'Bonjour tout le monde']);
  });

  it('without --max-tokens the output is unbounded and the cost is for the input only', async () => {
    const res = await llmap([...common(), '--dry-run']);
    expect(res.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    // Nothing cached: hello world, The soup was cold., こんにちは世界, Bonjour tout le monde.
    // (3+4+2+4+3) + (3+4+5+4+3) + 16 + 18 = 16 + 19 + 16 + 18 = 69 tokens; 69 × 0.15 = $0.00001035.
    expect(res.stdout).toBe(
      [
        'llmap dry run for gpt-4o-mini: nothing was sent',
        '  rows              9',
        '  skipped (empty)   2',
        '  cache hits        3',
        '  requests to send  4',
        '  input tokens      69 (gpt-tokenizer o200k_base)',
        '  output tokens     unbounded: set --max-tokens for an upper bound',
        '  cost              $0.000010 for the input; output unbounded: set --max-tokens (at $0.15 in / $0.60 out per million tokens, from the built-in table (as of 2025-11-01))',
        '',
      ].join('\n'),
    );
  });

  it('a model without a price or a tokenizer gets the estimate and "unknown price"; --limit and --no-cache apply', async () => {
    const res = await llmap(['run', 'in.csv', '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--dry-run', '--no-cache', '--limit', '5']);
    expect(res.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    // Without a cache the run may send a repeat again, so it counts as a request (an upper bound).
    // Characters / 4 rounded up, + 7: hello world 3+7, The soup was cold. 5+7, hello world 3+7, こんにちは世界 2+7.
    expect(res.stdout).toBe(
      [
        'llmap dry run for test: nothing was sent',
        '  rows              5',
        '  skipped (empty)   1',
        '  cache hits        0',
        '  requests to send  4',
        '  input tokens      41 (estimate: characters / 4, rounded up)',
        '  output tokens     unbounded: set --max-tokens for an upper bound',
        '  cost              unknown price for model test: add "price": {"input": USD, "output": USD} (per million tokens) to the profile',
        '',
      ].join('\n'),
    );
  });

  it('needs no API key: it calls nobody (the real run still asks for one)', async () => {
    const dry = await llmap(['run', 'in.csv', '-c', 'text', '-m', 'gpt-4o-mini', '--max-tokens', '10', '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('  requests to send  4\n');
    const real = await llmap(['run', 'in.csv', '-c', 'text', '-m', 'gpt-4o-mini', '--max-tokens', '10']);
    expect(real.stderr).toBe('llmap: missing API key: set OPENAI_API_KEY for --provider openai (or name another variable with --api-key-env)\n');
    expect(real.code).toBe(1);
  });

  it('checks the flags and the template like a run does', async () => {
    const res = await llmap(['run', 'in.csv', '-t', '{{txt}}', '-m', 'test', '--base-url', `${server.url}/v1`, '--dry-run']);
    expect(res.stderr).toBe("llmap: --template: placeholder {{txt}} is not a column of in.csv; columns are: id, text\n");
    expect(res.code).toBe(1);
  });
});
