/**
 * A gate that holds a streamed answer part way, so a test can see what the client did with the
 * first pieces before the server sends the rest: streaming proved by order of events, not by time.
 */

/** A closed gate that lets a stream send its first `after` answer pieces, then holds it until open(). */
export function streamGate(after = 1) {
  if (!Number.isInteger(after) || after < 0) throw new Error(`streamGate: expected a whole number of pieces, got ${after}`);
  let release;
  const opened = new Promise((resolve) => (release = resolve));
  let reach;
  const reached = new Promise((resolve) => (reach = resolve));
  let isOpen = false;
  return {
    after,
    reached,
    get isOpen() {
      return isOpen;
    },
    open() {
      isOpen = true;
      release();
    },
    hold() {
      reach();
      return opened;
    },
  };
}
