import { describe, expect, it } from 'vitest';
import { SpendLimit } from '../../src/report/spend-limit.js';
import { outcome } from './outcomes.js';

describe('SpendLimit', () => {
  it('adds the usage of sent and failed rows at the price and says once when the limit is reached', () => {
    const reached: number[] = [];
    const limit = new SpendLimit({ input: 1000, output: 2000 }, 0.01, (spent) => reached.push(spent));
    limit.onRowDone(outcome({ status: 'sent', usage: { inputTokens: 2, outputTokens: 1 } })); // $0.004
    limit.onRowDone(outcome({ status: 'cached', usage: { inputTokens: 100, outputTokens: 100 } })); // free
    limit.onRowDone(outcome({ status: 'skipped' }));
    expect(limit.spent).toBeCloseTo(0.004, 12);
    expect(reached).toEqual([]);
    limit.onRowDone(outcome({ status: 'failed', error: 'x', usage: { inputTokens: 2, outputTokens: 0 } })); // $0.002
    limit.onRowDone(outcome({ status: 'sent', usage: { inputTokens: 0, outputTokens: 2 } })); // $0.004 → $0.010
    expect(reached).toHaveLength(1);
    expect(reached[0]).toBeCloseTo(0.01, 12);
    limit.onRowDone(outcome({ status: 'sent', usage: { inputTokens: 10, outputTokens: 10 } }));
    expect(reached).toHaveLength(1);
    expect(limit.spent).toBeCloseTo(0.04, 12);
  });

  it('rows without usage cost nothing', () => {
    const reached: number[] = [];
    const limit = new SpendLimit({ input: 1, output: 1 }, 0.000001, (s) => reached.push(s));
    limit.onRowDone(outcome({ status: 'sent' }));
    expect(reached).toEqual([]);
  });
});
