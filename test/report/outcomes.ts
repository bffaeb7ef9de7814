import type { RowOutcome } from '../../src/engine/events.js';

/** A row outcome with defaults, for feeding observers. */
export function outcome(over: Partial<RowOutcome> & Pick<RowOutcome, 'status'>): RowOutcome {
  return { index: 0, text: '', finishReason: null, usage: {}, attempts: over.status === 'sent' ? 1 : 0, ...over };
}
