import type { RunObserver } from '../engine/events.js';

/** One observer that forwards every event to each of `observers`, in the order given. */
export function combineObservers(...observers: RunObserver[]): RunObserver {
  // Handlers are collected once so the per-row path is a plain loop over functions.
  const onTotal = handlers(observers, 'onTotal');
  const onRequest = handlers(observers, 'onRequest');
  const onRetry = handlers(observers, 'onRetry');
  const onSchemaRetry = handlers(observers, 'onSchemaRetry');
  const onRequestFailed = handlers(observers, 'onRequestFailed');
  const onRateLimited = handlers(observers, 'onRateLimited');
  const onHold = handlers(observers, 'onHold');
  const onConcurrency = handlers(observers, 'onConcurrency');
  const onRowDone = handlers(observers, 'onRowDone');
  const onEnd = handlers(observers, 'onEnd');
  return {
    onTotal: (total) => {
      for (const fn of onTotal) fn(total);
    },
    onRequest: (index, at) => {
      for (const fn of onRequest) fn(index, at);
    },
    onRetry: (event) => {
      for (const fn of onRetry) fn(event);
    },
    onSchemaRetry: (event) => {
      for (const fn of onSchemaRetry) fn(event);
    },
    onRequestFailed: (index, error) => {
      for (const fn of onRequestFailed) fn(index, error);
    },
    onRateLimited: (index) => {
      for (const fn of onRateLimited) fn(index);
    },
    onHold: (event) => {
      for (const fn of onHold) fn(event);
    },
    onConcurrency: (current) => {
      for (const fn of onConcurrency) fn(current);
    },
    onRowDone: (outcome, at) => {
      for (const fn of onRowDone) fn(outcome, at);
    },
    onEnd: () => {
      for (const fn of onEnd) fn();
    },
  };
}

function handlers<K extends keyof RunObserver>(
  observers: RunObserver[],
  name: K,
): Array<NonNullable<RunObserver[K]>> {
  const out: Array<NonNullable<RunObserver[K]>> = [];
  for (const observer of observers) {
    const fn = observer[name];
    if (fn) out.push(fn.bind(observer) as NonNullable<RunObserver[K]>);
  }
  return out;
}
