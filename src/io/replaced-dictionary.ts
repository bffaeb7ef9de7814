import type { RecordBatch, Vector } from 'apache-arrow';
import { UsageError } from '../errors.js';

/**
 * A check for the Arrow IPC file format, which can extend a dictionary (deltas) but not replace
 * it: an IPC stream may replace one between batches, and passing such a stream through to a file
 * would otherwise fail inside apache-arrow with a message naming neither column nor way out.
 * Returns a function that throws a UsageError for a batch whose dictionary replaces an earlier one.
 */
export function replacedDictionaryCheck(): (batch: RecordBatch) => void {
  const seen = new Map<number, Vector>();
  return (batch) => {
    for (const [id, dictionary] of batch.dictionaries) {
      const before = seen.get(id);
      // apache-arrow keeps a delta as one more chunk after the earlier ones; a replacement starts anew.
      if (before && before.data[0] !== dictionary.data[0]) {
        const field = batch.schema.fields.find((f) => (f.type as { id?: number }).id === id);
        throw new UsageError(
          `cannot write an Arrow file: the input replaces the dictionary of column '${field?.name ?? id}' between record batches, ` +
            'which the Arrow file format cannot hold; write an Arrow stream (.arrows) instead',
        );
      }
      seen.set(id, dictionary);
    }
  };
}
