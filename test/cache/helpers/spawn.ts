// Runs the helper scripts in this folder as child processes that import our TypeScript sources.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** Starts `node --import register-ts.mjs <script> ...args` (script is a file in helpers/). */
export function spawnHelper(script: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', here('./register-ts.mjs'), here(`./${script}`), ...args], {
    stdio: 'pipe',
  });
}

/** Runs a helper to completion; resolves with exit code, stdout and stderr. */
export function runHelper(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnHelper(script, args);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
