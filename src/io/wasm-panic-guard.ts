/**
 * parquet-wasm polls its Rust futures from the microtask queue, so a Rust panic (a corrupt page, a
 * bad value) surfaces as a WebAssembly trap thrown outside any promise: the read it belongs to never
 * settles and Node would crash with a wasm stack trace. While a guard is held, such a trap is handed
 * to `onTrap` instead (to fail the read with a one-line error); any other uncaught error still
 * crashes the process as it would have.
 */
export function guardWasmTraps(onTrap: (err: Error) => void): () => void {
  const listener = (err: Error): void => {
    if (isWasmTrap(err)) {
      onTrap(err);
      return;
    }
    release();
    // Not a trap: with this listener gone, throwing again is Node's own crash.
    process.nextTick(() => {
      throw err;
    });
  };
  const release = (): void => {
    process.off('uncaughtException', listener);
  };
  process.on('uncaughtException', listener);
  return release;
}

/**
 * A promise that rejects with the first trap while the guard is held (never resolves otherwise), and
 * whether a trap came: after one, the WebAssembly instance must not be called again.
 */
export function trapped(): { rejection: Promise<never>; release: () => void; readonly hit: boolean } {
  let fail!: (err: Error) => void;
  let hit = false;
  const rejection = new Promise<never>((_, reject) => (fail = reject));
  // A trap that comes while nobody awaits must not become an unhandled rejection of its own.
  rejection.catch(() => undefined);
  const release = guardWasmTraps((err) => {
    hit = true;
    fail(err);
  });
  return {
    rejection,
    release,
    get hit() {
      return hit;
    },
  };
}

/** A WebAssembly trap (a RuntimeError thrown from wasm code). */
export function isWasmTrap(err: unknown): err is Error {
  return err instanceof Error && err.name === 'RuntimeError' && (err.stack ?? '').includes('wasm://');
}
