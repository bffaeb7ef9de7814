/**
 * Runs the built CLI as a user would: a child process in a temp folder, stdin fed, stdout/stderr read.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/llmap.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  stdin?: string | Buffer;
}

/** The environment a test run gets: no real keys from the developer's shell, no TTY tricks. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LLMAP_RETRY_BASE_MS: '5' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** A warning Node printed (MaxListenersExceededWarning, DeprecationWarning, ...), or undefined. */
export function nodeWarning(stderr: string): string | undefined {
  return /^\(node:\d+\) (\[\w+\] )?\w*Warning: .*$/m.exec(stderr)?.[0];
}

/**
 * Runs the CLI; fails (rejects) when Node printed a warning on stderr, whatever the test asserts:
 * no run of llmap may print one.
 */
export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return spawnCli(args, opts).then((res) => {
    const warning = nodeWarning(res.stderr);
    if (warning !== undefined) throw new Error(`llmap ${args.join(' ')} printed a Node warning: ${warning}`);
    return res;
  });
}

function spawnCli(args: string[], opts: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: baseEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'llmap-e2e-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
