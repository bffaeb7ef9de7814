/**
 * Aborts waiting or in-flight work by the signal it was started with, with one 'abort' listener per
 * signal instead of one per item: EventTarget's add/removeEventListener walk the listener list, and
 * a run starts every call and every wait with the same run-wide signal.
 */

/** Something that can be aborted. */
export interface Abortable {
  abort(reason: unknown): void;
}

/** Groups of in-flight requests keyed by their signal. */
export class AbortGroups<T extends Abortable> {
  private readonly groups = new WeakMap<AbortSignal, Set<T>>();

  /** Adds `item` to the group of `signal`; aborts it at once if the signal already fired. */
  add(signal: AbortSignal, item: T): void {
    if (signal.aborted) return item.abort(signal.reason);
    let group = this.groups.get(signal);
    if (group === undefined) {
      const members = new Set<T>();
      group = members;
      this.groups.set(signal, members);
      signal.addEventListener(
        'abort',
        () => {
          for (const member of [...members]) member.abort(signal.reason);
        },
        { once: true },
      );
    }
    group.add(item);
  }

  /** Drops `item` (settled) from the group of `signal`. */
  remove(signal: AbortSignal, item: T): void {
    this.groups.get(signal)?.delete(item);
  }
}
