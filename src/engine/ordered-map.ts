/**
 * A concurrent map over an async source of chunks that yields results in input order, chunk by
 * chunk. The order is kept in the output buffer, not in the scheduler: an item waiting out a retry
 * backoff steps aside (its lane's away()), so it no longer counts against the items being worked on
 * and others start in its place. What bounds memory is the buffer: items started but not yet
 * yielded, by count and by the bytes of finished results held behind an unfinished one.
 *
 * Chunks in and out, and results that may come back without a promise (an item with nothing to do,
 * such as a row with a blank prompt), because for fast items the per-item hops between generators
 * and promises cost more than the item's own work.
 */
import { IndexRing } from './index-ring.js';
import { Wakeup } from './wakeup.js';

/** An item's handle on its place among the items being worked on. */
export interface Lane {
  /** The item waits on a timer, doing nothing: another may start in its place. */
  away(): void;
  /** The item is at work again. */
  back(): void;
}

/** The lane of an item whose fn returned LATER: the item ends by one of these calls, once. */
export interface ItemEnd<R> extends Lane {
  finish(result: R): void;
  fail(error: unknown): void;
}

/**
 * Returned by fn for an item it will end itself through its lane (finish or fail): a result that
 * comes from a callback of fn's own costs no promise, closures and microtask of the map's.
 */
export const LATER: unique symbol = Symbol('later');

/** How much may be under way at once. */
export interface OrderedMapLimits<R> {
  /** Items being worked on at once (those away not counted); a function for a bound that moves. */
  active: number | (() => number);
  /** Items started but not yet yielded. */
  rows: number;
  /** Bytes of finished results waiting for an earlier item, as `sizeOf` counts them. */
  bytes: number;
  sizeOf: (result: R) => number;
  /** Once aborted, no further item starts and the source is let go (those started still finish). */
  until?: AbortSignal;
}

/** Finished results waiting for the consumer past which no item starts. */
const READY_AHEAD = 256;

/** The shared state of one map, which every lane of it updates. */
interface MapState<R> {
  active: number;
  wake: Wakeup;
  finish(index: number, result: R): void;
  fail(error: unknown): void;
}

/** One started item's lane; a class so that an item costs one small object, not four closures. */
class ItemLane<R> implements ItemEnd<R> {
  private isAway = false;
  settled = false;

  constructor(
    private readonly state: MapState<R>,
    private readonly index: number,
  ) {}

  finish(result: R): void {
    if (this.settled) return;
    this.settle();
    this.state.finish(this.index, result);
    this.state.wake.notify();
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settle();
    this.state.fail(error);
    this.state.wake.notify();
  }

  away(): void {
    if (this.isAway || this.settled) return;
    this.isAway = true;
    this.state.active--;
    this.state.wake.notify();
  }

  back(): void {
    if (!this.isAway || this.settled) return;
    this.isAway = false;
    this.state.active++;
  }

  settle(): void {
    this.settled = true;
    if (!this.isAway) this.state.active--;
  }
}

/**
 * Maps every item of `source`'s chunks through `fn`, yielding the results in input order, as many
 * at a time as are ready. A rejection (or throw) of `fn` is thrown at once (the run is over); an
 * error of the source is thrown after every item before it has been yielded.
 */
export async function* orderedMap<T, R>(
  source: AsyncIterable<readonly T[]>,
  fn: (item: T, index: number, lane: ItemEnd<R>) => R | Promise<R> | typeof LATER,
  limits: OrderedMapLimits<R>,
): AsyncGenerator<R[]> {
  const iterator = source[Symbol.asyncIterator]();
  // Finished results by index, until yielded.
  const finished = new IndexRing<{ result: R; size: number }>(Math.min(limits.rows, 4096));
  let started = 0;
  let yielded = 0;
  let bytes = 0;
  let sourceDone = false;
  let closed = false;
  let sourceError: { error: unknown } | undefined;
  let failure: { error: unknown } | undefined;

  const finish = (index: number, result: R): void => {
    const size = limits.sizeOf(result);
    finished.set(index, { result, size });
    bytes += size;
  };
  const state: MapState<R> = {
    active: 0,
    wake: new Wakeup(),
    finish,
    fail: (error) => {
      failure ??= { error };
    },
  };
  const wake = state.wake;

  const stopped = limits.until ?? new AbortController().signal;
  const active = limits.active;
  // Results ready to go while the consumer is busy: more would only wait longer, grow old in memory
  // and cost full garbage collections. A head still at work does not count: rows behind it go on.
  const backlog = () => finished.size >= READY_AHEAD && finished.ready;
  const room = () => !backlog() && state.active < (typeof active === 'number' ? active : active()) && started - yielded < limits.rows && bytes < limits.bytes;

  const start = (item: T, index: number): void => {
    state.active++;
    const lane = new ItemLane(state, index);
    let result: R | Promise<R> | typeof LATER;
    try {
      result = fn(item, index, lane);
    } catch (error) {
      lane.fail(error);
      return;
    }
    if (result === LATER) return;
    if (!(result instanceof Promise)) {
      lane.settle();
      finish(index, result);
      return;
    }
    result.then(
      (value) => lane.finish(value),
      (error: unknown) => lane.fail(error),
    );
  };

  const pump = async () => {
    try {
      pulling: while (!closed && !failure && !stopped.aborted) {
        const next = await iterator.next();
        if (next.done) break;
        const items = next.value;
        for (let k = 0; k < items.length; k++) {
          if (failure || stopped.aborted) break pulling;
          while (!room()) {
            // Whatever finished at once is handed over before waiting for room.
            wake.notify();
            await wake.wait();
            if (closed || failure || stopped.aborted) break pulling;
          }
          start(items[k], started++);
        }
        // A chunk done without waiting: its results go out together.
        wake.notify();
      }
      if (closed || failure || stopped.aborted) await iterator.return?.();
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
      let head = finished.shift();
      if (head) {
        const out: R[] = [];
        for (; head; head = finished.shift()) {
          bytes -= head.size;
          out.push(head.result);
          yielded++;
        }
        wake.notify();
        yield out;
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
