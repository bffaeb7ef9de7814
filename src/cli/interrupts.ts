/**
 * Ctrl-C and SIGTERM for a run: the first signal stops new calls and gives the calls in flight a
 * grace period to finish (their answers are paid for, so they are cached); the second signal, or
 * the end of the grace period, aborts them. The run itself may ask for the same soft stop
 * (--max-cost reached).
 */
import { setMaxListeners } from 'node:events';
import type { CliContext } from './context.js';

/** The two stop levels of a run. */
export class Interrupts {
  private readonly soft = new AbortController();
  private readonly hard = new AbortController();
  private graceTimer?: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  /** The first signal received, if any. */
  stoppedBy?: NodeJS.Signals;
  /** Why the run asked to stop (stopFor), if it did before any signal. */
  stopReason?: string;

  constructor(cli: CliContext, private readonly graceMs: number, private readonly say: (line: string) => void) {
    // Every call in flight listens on these; the default cap of 10 listeners would warn at -j 11.
    setMaxListeners(0, this.soft.signal);
    setMaxListeners(0, this.hard.signal);
    this.unsubscribe = cli.onSignals((signal) => this.onSignal(signal));
  }

  /** Fires on the first signal: start nothing new. */
  get stop(): AbortSignal {
    return this.soft.signal;
  }

  /** Fires on the second signal or when the grace period ends: abort calls in flight. */
  get abort(): AbortSignal {
    return this.hard.signal;
  }

  /** Ends everything at once (fatal error, closed output). */
  abortNow(reason: string): void {
    this.soft.abort(new Error(reason));
    this.hard.abort(new Error(reason));
  }

  /**
   * The soft stop of a first Ctrl-C, asked for by the run: `reason` is kept for the report, `line`
   * is said. A no-op once stopped.
   */
  stopFor(reason: string, line: string): void {
    if (this.soft.signal.aborted) return;
    this.stopReason = reason;
    this.say(`${line}; waiting up to ${Math.round(this.graceMs / 1000)}s for the calls in flight (press Ctrl-C to abort them)`);
    this.beginGrace(new Error(reason));
  }

  /** Stops listening for signals and clears the grace timer. */
  dispose(): void {
    this.unsubscribe();
    clearTimeout(this.graceTimer);
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.soft.signal.aborted) {
      this.say(`llmap: ${signal} again: aborting the calls in flight`);
      this.hard.abort(new Error(`stopped by ${signal}`));
      return;
    }
    this.stoppedBy = signal;
    this.say(
      `llmap: ${signal}: starting no new calls; waiting up to ${Math.round(this.graceMs / 1000)}s for the calls in flight (press Ctrl-C again to abort them)`,
    );
    this.beginGrace(new Error(`stopped by ${signal}`));
  }

  private beginGrace(reason: Error): void {
    this.soft.abort(reason);
    this.graceTimer = setTimeout(() => this.hard.abort(new Error('grace period over')), this.graceMs);
    this.graceTimer.unref();
  }
}
