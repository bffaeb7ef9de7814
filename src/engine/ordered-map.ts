/**
 * A concurrent map over an async source that yields results in input order. The order is kept in
 * the output buffer, not in the scheduler: an item waiting out a retry backoff steps aside (its
 * lane's away()), so it no longer counts against the items being worked on and others start in its
 * place. What bounds memory is the buffer: items started but not yet yielded, by count and by the
 * bytes of finished results held behind an unfinished one.
 */
import { Wakeup } from './wakeup.js';

/** An item's handle on its place among the items being worked on. */
export interface Lane {
  /** The item waits on a timer, doing nothing: another may start in its place. */
  away(): void;
  /** The item is at work again. */
  back(): void;
}

/** How much may be under way at once. */
export interface OrderedMapLimits<R> {
  /** Items being worked on at once (those away not counted). */
  active: number;
  /** Items started but not yet yielded. */
  rows: number;
  /** Bytes of finished results waiting for an earlier item, as `sizeOf` counts them. */
  bytes: number;
  sizeOf: (result: R) => number;
}

/**
 * Maps `source` through `fn`, yielding in input order. A rejection of `fn` is thrown at once (the
 * run is over); an error of the source is thrown after every item before it has been yielded.
 */
export async function* orderedMap<T, R>(
  source: AsyncIterable<T>,
  fn: (item: T, index: number, lane: Lane) => Promise<R>,
  limits: OrderedMapLimits<R>,
): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const finished = new Map<number, { result: R; size: number }>();
  const wake = new Wakeup();
  let started = 0;
  let yielded = 0;
  let active = 0;
  let bytes = 0;
  let sourceDone = false;
  let closed = false;
  let sourceError: { error: unknown } | undefined;
  let failure: { error: unknown } | undefined;

  const room = () => active < limits.active && started - yielded < limits.rows && bytes < limits.bytes;

  const start = (item: T, index: number) => {
    active++;
    let away = false;
    let settled = false;
    const lane: Lane = {
      away() {
        if (away || settled) return;
        away = true;
        active--;
        wake.notify();
      },
      back() {
        if (!away || settled) return;
        away = false;
        active++;
      },
    };
    const settle = () => {
      settled = true;
      if (!away) active--;
    };
    fn(item, index, lane).then(
      (result) => {
        settle();
        const size = limits.sizeOf(result);
        finished.set(index, { result, size });
        bytes += size;
        wake.notify();
      },
      (error: unknown) => {
        settle();
        failure ??= { error };
        wake.notify();
      },
    );
  };

  const pump = async () => {
    try {
      while (!closed && !failure) {
        if (!room()) {
          await wake.wait();
          continue;
        }
        const next = await iterator.next();
        if (next.done) break;
        start(next.value, started++);
      }
      if (closed || failure) await iterator.return?.();
    } catch (error) {
      sourceError = { error };
    }
    sourceDone = true;
    wake.notify();
  };
  void pump();

  try {
    for (;;) {
      if (failure) throw failure.error;
      const head = finished.get(yielded);
      if (head) {
        finished.delete(yielded);
        bytes -= head.size;
        yielded++;
        wake.notify();
        yield head.result;
        continue;
      }
      if (sourceDone && yielded === started) {
        if (sourceError) throw sourceError.error;
        return;
      }
      await wake.wait();
    }
  } finally {
    closed = true;
    wake.notify();
  }
}
