import { describe, expect, it } from 'vitest';
import type { RunObserver } from '../../src/engine/events.js';
import { ProviderError } from '../../src/errors.js';
import { combineObservers } from '../../src/report/combine-observers.js';
import { outcome } from './outcomes.js';

describe('combineObservers', () => {
  it('forwards every event to each observer in order, skipping handlers they lack', () => {
    const seen: string[] = [];
    class Recorder implements RunObserver {
      constructor(private readonly name: string) {}
      onTotal(total: number | undefined) {
        seen.push(`${this.name} total ${total}`);
      }
      onRequest(index: number) {
        seen.push(`${this.name} request ${index}`);
      }
      onRetry(event: { attempt: number }) {
        seen.push(`${this.name} retry ${event.attempt}`);
      }
      onRateLimited(index: number) {
        seen.push(`${this.name} 429 ${index}`);
      }
      onConcurrency(current: number) {
        seen.push(`${this.name} concurrency ${current}`);
      }
      onRowDone(o: { index: number; status: string }) {
        seen.push(`${this.name} row ${o.index} ${o.status}`);
      }
      onEnd() {
        seen.push(`${this.name} end`);
      }
    }
    const onlyEnd: RunObserver = { onEnd: () => seen.push('c end') };
    const all = combineObservers(new Recorder('a'), onlyEnd, new Recorder('b'));
    all.onTotal!(3);
    all.onRequest!(1);
    all.onRetry!({ index: 1, attempt: 2, delayMs: 10, error: new ProviderError('server', 'server error (500)') });
    all.onRateLimited!(1);
    all.onConcurrency!(4);
    all.onRowDone!(outcome({ index: 1, status: 'sent' }));
    all.onEnd!();
    expect(seen).toEqual([
      'a total 3',
      'b total 3',
      'a request 1',
      'b request 1',
      'a retry 2',
      'b retry 2',
      'a 429 1',
      'b 429 1',
      'a concurrency 4',
      'b concurrency 4',
      'a row 1 sent',
      'b row 1 sent',
      'a end',
      'c end',
      'b end',
    ]);
  });
});
