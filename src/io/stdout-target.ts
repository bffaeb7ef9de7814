import type { Writable } from 'node:stream';
import { OutputClosedError, UsageError } from '../errors.js';
import { BackpressuredWriter, type ByteTarget } from './byte-target.js';
import { fsErrorText } from './fs-error-text.js';

/**
 * Writes to stdout. A reader that went away (EPIPE, e.g. `| head`) turns every write into an
 * OutputClosedError, a normal end. stdout is never ended: it belongs to the process.
 */
export function createStdoutTarget(stdout: NodeJS.WritableStream = process.stdout): ByteTarget {
  const writer = new BackpressuredWriter(stdout as Writable, (err) => {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (err instanceof OutputClosedError || code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') {
      return new OutputClosedError();
    }
    return new UsageError(`cannot write to stdout: ${fsErrorText(err)}`);
  });
  return {
    name: 'stdout',
    write: (chunk) => writer.write(chunk),
    finish: () => writer.flushed(),
    abort: async () => undefined,
  };
}
