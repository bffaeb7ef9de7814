/**
 * What a command needs from the process, injected so tests and the bin share one code path.
 */

/** The process seen by a command. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  onSignals(handler: (signal: NodeJS.Signals) => void): () => void;
}

/** The real process. */
export function processContext(): CliContext {
  return {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignals(handler) {
      const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
      for (const s of signals) process.on(s, handler);
      return () => {
        for (const s of signals) process.off(s, handler);
      };
    },
  };
}
