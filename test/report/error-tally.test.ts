import { describe, expect, it } from 'vitest';
import { ErrorTally, OTHER_ERRORS } from '../../src/report/error-tally.js';

describe('ErrorTally', () => {
  it('stays bounded when every row has its own message', () => {
    const tally = new ErrorTally(100);
    for (let i = 0; i < 10_000; i++) tally.add(`row ${i}: bad request`, i);
    tally.add('row 5: bad request', 20_000);
    expect(tally.size).toBe(101);
    // A few example rows per kind (1-based row numbers), never all of them.
    expect(tally.top(2)).toEqual([
      { message: OTHER_ERRORS, count: 9_900, rows: [101, 102, 103] },
      { message: 'row 5: bad request', count: 2, rows: [6, 20_001] },
    ]);
  });

  it('cuts very long messages so they cannot bloat the report', () => {
    const tally = new ErrorTally();
    tally.add('x'.repeat(5000));
    const [{ message }] = tally.top(1);
    expect(message).toBe(`${'x'.repeat(199)}…`);
  });
});
