/**
 * Gathers the single-key reads made in one turn of the event loop into one multi-key read. The
 * engine asks for each row's answer separately, a window of rows at a time; a store answers a
 * block of keys for little more than the cost of one (one SQLite query, one Redis MGET).
 */

/** Reads many keys at once; the answer has one entry per key, in order. */
export type ReadMany = (keys: string[]) => Promise<unknown[]>;

interface Waiting {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** A single-key read that is served by `readMany` together with the other reads of its turn. */
export function batchedReads(readMany: ReadMany): (key: string) => Promise<unknown> {
  let waiting = new Map<string, Waiting[]>();

  const flush = (): void => {
    const batch = waiting;
    waiting = new Map();
    const keys = [...batch.keys()];
    readMany(keys).then(
      (values) => keys.forEach((key, i) => batch.get(key)!.forEach((w) => w.resolve(values[i]))),
      (err: unknown) => batch.forEach((ws) => ws.forEach((w) => w.reject(err))),
    );
  };

  return (key) =>
    new Promise((resolve, reject) => {
      if (waiting.size === 0) setImmediate(flush);
      const same = waiting.get(key);
      if (same) same.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
    });
}
