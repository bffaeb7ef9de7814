import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { runTable } from '../../src/cli/table-run.js';
import { RunStats } from '../../src/report/run-stats.js';

/** A terminal's stderr: progress draws a bar on it, with a redraw timer. */
class FakeTTY extends EventEmitter {
  isTTY = true;
  columns = 80;
  write(): boolean {
    return true;
  }
}

describe('runTable', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stops the progress bar when setting up the run throws, so no timer keeps the process alive', async () => {
    const stderr = new FakeTTY() as unknown as NodeJS.WriteStream;
    const cli: CliContext = { env: {}, stdin: process.stdin, stdout: stderr, stderr, onSignals: () => () => undefined };
    const aborted: (boolean | undefined)[] = [];
    const run = runTable({
      settings: { input: '-', quiet: false, verbose: false, graceMs: 1000 },
      inputRows: (async function* () {})(),
      inputFormat: 'csv',
      sink: { write: async () => undefined, finish: async () => undefined, abort: async (keep) => void aborted.push(keep) },
      cli,
      stats: new RunStats(),
      runInfo: { command: 'run' } as never,
      start: () => Promise.reject(new Error('not reached')),
      cells: () => [],
      stoppers() {
        throw new Error('setup failed');
      },
    });
    await expect(run).rejects.toThrow('setup failed');
    expect(vi.getTimerCount()).toBe(0);
    // The output file is given up too, rather than left half-made.
    expect(aborted).toEqual([false]);
  });
});
