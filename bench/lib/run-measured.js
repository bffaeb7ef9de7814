/** Runs a benchmark subject as a process of its own and measures its wall time and peak memory. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { BIN, ROOT } from './paths.js';
import { onCleanup } from './cleanup.js';

/** How often the child's memory high-water mark is read. */
const POLL_MS = 25;

/**
 * Spawns `node ...args` (cwd: the repository); resolves with the exit code, signal, stderr, wall
 * time in ms and peak RSS in MB (VmHWM from /proc; undefined where there is no /proc). A run longer
 * than `limitMs` is interrupted (SIGINT, as a user would) so a benchmark always ends.
 */
export function runNode(args, { env = {}, limitMs = 5 * 60_000, stdout = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', stdout, 'pipe'],
    });
    const forget = onCleanup(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    let peakKb;
    // VmHWM is the kernel's own high-water mark, so polling misses at most the growth of the last
    // interval before exit, never a spike in between.
    const poll = setInterval(async () => {
      const kb = await readPeakKb(child.pid);
      if (kb !== undefined) peakKb = Math.max(peakKb ?? 0, kb);
    }, POLL_MS);
    const timer = setTimeout(() => child.kill('SIGINT'), limitMs);
    child.on('error', (err) => {
      clearInterval(poll);
      clearTimeout(timer);
      forget();
      reject(err);
    });
    child.on('close', (code, signal) => {
      const elapsedMs = performance.now() - started;
      clearInterval(poll);
      clearTimeout(timer);
      forget();
      resolve({ code, signal, stderr, elapsedMs, peakMb: peakKb === undefined ? undefined : peakKb / 1024 });
    });
  });
}

/** Runs the built CLI: `node bin/llmap.js ...args`; see runNode. */
export function runLlmapMeasured(args, options) {
  return runNode([BIN, ...args], options);
}

/** Throws with the child's stderr unless it exited 0. */
export function assertOk(what, run) {
  if (run.code === 0) return run;
  const how = run.signal ? `was stopped by ${run.signal}` : `exited with ${run.code}`;
  throw new Error(`${what} ${how}: ${run.stderr.trim().split('\n').slice(-5).join(' | ') || 'no output'}`);
}

async function readPeakKb(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
