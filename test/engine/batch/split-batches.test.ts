import { describe, expect, it } from 'vitest';
import { splitBatches } from '../../../src/engine/batch/split-batches.js';

describe('splitBatches', () => {
  const line = (s: string) => s;
  it('cuts by request count', () => {
    expect(splitBatches(['a', 'b', 'c', 'd', 'e'], line, 2, 1000)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });
  it('cuts by bytes, newlines counted, multi-byte characters by their UTF-8 size', () => {
    // 'ééé' is 6 bytes + newline = 7; 'x' is 2.
    expect(splitBatches(['ééé', 'x', 'x', 'ééé'], line, 100, 9)).toEqual([['ééé', 'x'], ['x', 'ééé']]);
  });
  it('a line larger than the limit still goes, alone (the server says whether it fits)', () => {
    expect(splitBatches(['long line', 'a'], line, 100, 4)).toEqual([['long line'], ['a']]);
  });
  it('nothing to send, no batch', () => {
    expect(splitBatches([], line, 1, 1)).toEqual([]);
  });
});
