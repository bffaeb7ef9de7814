/** Runs the fake provider server (test/fake-server/cli.js) as a process of its own, as benchmarks need. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './paths.js';

const CLI = path.join(ROOT, 'test/fake-server/cli.js');

/**
 * Starts the server with `args` (e.g. ['--rpm', '600']) and a stats file; resolves once it listens.
 * `stop()` sends SIGTERM, waits for the exit and returns the final counts.
 */
export async function startServerProcess(args, statsFile) {
  const child = spawn(process.execPath, [CLI, ...args, '--stats-file', statsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  if (first.done || !String(first.value).startsWith('listening on ')) {
    child.kill('SIGTERM');
    await exited;
    throw new Error(`the fake server did not start: ${stderr.trim() || 'no output'}`);
  }
  return {
    url: String(first.value).replace('listening on ', ''),
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the fake server exited with ${code}: ${stderr.trim()}`);
      return JSON.parse(readFileSync(statsFile, 'utf8'));
    },
  };
}
