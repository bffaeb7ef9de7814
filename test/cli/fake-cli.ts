/** A CliContext whose stdout and stderr are strings, for calling commands without spawning. */
import type { CliContext } from '../../src/cli/context.js';

export interface FakeCli {
  cli: CliContext;
  out: { stdout: string; stderr: string };
}

export function fakeCli(env: NodeJS.ProcessEnv = {}): FakeCli {
  const out = { stdout: '', stderr: '' };
  const stream = (name: 'stdout' | 'stderr') =>
    ({
      write(chunk: string | Uint8Array) {
        out[name] += String(chunk);
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  const cli: CliContext = {
    env,
    stdin: process.stdin,
    stdout: stream('stdout'),
    stderr: stream('stderr'),
    onSignals: () => () => undefined,
  };
  return { cli, out };
}
