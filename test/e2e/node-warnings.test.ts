/**
 * No run prints a Node warning. runCli (cli.ts) fails any e2e run whose stderr holds one; this file
 * proves that check can fail, and runs what used to print one: many rows asleep in a backoff at
 * once (one abort listener each: MaxListenersExceededWarning).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { nodeWarning, runCli } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

it("recognises the warnings Node prints", () => {
  const script = "process.emitWarning('Possible EventTarget memory leak detected', 'MaxListenersExceededWarning'); process.emitWarning('old', 'DeprecationWarning', 'DEP0005')";
  const { stderr } = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(nodeWarning(stderr)).toMatch(/^\(node:\d+\) MaxListenersExceededWarning: Possible EventTarget memory leak detected$/);
  expect(nodeWarning(stderr.split('\n').slice(1).join('\n'))).toMatch(/\[DEP0005\] DeprecationWarning: old/);
  expect(nodeWarning('llmap: row 3: attempt 1 failed (500: Warning: disk full); retrying in 0.1s\n')).toBeUndefined();
});

it('a run with 64 rows backing off at once prints no warning', async () => {
  const input = path.join(dir, 'in.csv');
  writeFileSync(input, 'text\n' + Array.from({ length: 300 }, (_, i) => `row ${i}\n`).join(''));
  // Every first attempt fails: all 64 calls in flight sleep on the same run signal together.
  const seen = new Set<string>();
  server.setBehavior((req) => {
    const prompt = JSON.stringify(req.body?.messages);
    if (seen.has(prompt)) return undefined;
    seen.add(prompt);
    return { status: 500 };
  });
  const res = await runCli(['run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache', '-j', '64', '-q'], {
    env: { LLMAP_RETRY_BASE_MS: '200' },
  });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(server.requests).toHaveLength(600);
});
