/** Runs the built CLI and times it. */
import { spawn } from 'node:child_process';
import { BIN, ROOT } from './paths.js';

/**
 * Spawns `node bin/llmap.js ...args`; resolves with the exit code, stderr and wall time in ms.
 * A run longer than `limitMs` is interrupted (SIGINT, as a user would) so a benchmark always ends.
 */
export function runLlmap(args, { env = {}, limitMs = 10 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGINT'), limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, elapsedMs: performance.now() - started });
    });
  });
}
