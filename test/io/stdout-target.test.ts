import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OutputClosedError } from '../../src/errors.js';
import { rejection, openTestSink } from './helpers.js';

/** Lets pending promise callbacks and I/O callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('stdout target', () => {
  it('writes the table to the injected stdout and does not end it', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const sink = await openTestSink({ path: '-', format: 'csv', source: { columns: ['id'] }, added: [{ name: 'out', type: 'string' }], stdout });
    await sink.write(['1', 'a']);
    await sink.write(['2', 'b, c']);
    await sink.finish();
    expect(Buffer.concat(chunks).toString()).toBe('id,out\n1,a\n2,"b, c"\n');
    expect(stdout.writableEnded).toBe(false);
    expect(await sink.abort()).toBeUndefined();
  });

  it('resolves write() only after drain when the buffer is full', async () => {
    const stdout = new PassThrough({ highWaterMark: 16 });
    const sink = await openTestSink({ path: '-', format: 'jsonl', source: { columns: ['text'] }, added: [], stdout });
    let done = false;
    const write = sink.write(['a row longer than sixteen bytes']).then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    stdout.read();
    await write;
    expect(done).toBe(true);
  });

  it('turns EPIPE into OutputClosedError, without an uncaught error event', async () => {
    const stdout = new PassThrough({ highWaterMark: 16 });
    const sink = await openTestSink({ path: '-', format: 'csv', source: { columns: ['id'] }, added: [], stdout });
    const pending = sink.write(['a row that fills the small buffer']);
    stdout.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(await rejection(pending)).toBeInstanceOf(OutputClosedError);
    expect(await rejection(sink.write(['2']))).toBeInstanceOf(OutputClosedError);
    expect(await rejection(sink.finish())).toBeInstanceOf(OutputClosedError);
  });

  it('stops with OutputClosedError when the reading process exits (real pipe, like `| head -1`)', async () => {
    const reader = spawn(process.execPath, ['-e', "process.stdin.once('data', () => process.exit(0))"], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    const sink = await openTestSink({ path: '-', format: 'csv', source: { columns: ['id', 'text'] }, added: [], stdout: reader.stdin });
    const exited = once(reader, 'exit');
    let failure: unknown;
    let written = 0;
    try {
      for (; written < 10_000_000; written++) {
        await sink.write([String(written), 'some text to fill the pipe quickly '.repeat(4)]);
        if (written === 0) await exited;
      }
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(OutputClosedError);
    expect(written).toBeLessThan(10_000_000);
    expect(await rejection(sink.finish())).toBeInstanceOf(OutputClosedError);
  });

  it('reports other stdout errors as they are', async () => {
    const stdout = new Writable({ write: (_chunk, _enc, cb) => cb(new Error('disk on fire')) });
    const sink = await openTestSink({ path: '-', format: 'csv', source: { columns: ['id'] }, added: [], stdout });
    await sink.write(['1']).catch(() => undefined);
    await settle();
    const err = await rejection(sink.write(['2']));
    expect(err.message).toBe('cannot write to stdout: disk on fire');
  });
});
