/**
 * The columns llmap appends to each row, and their cells for one outcome.
 */
import type { AddedColumn, ValueType } from '../io/table.js';
import type { RowOutcome } from './events.js';

/** Names of the --metadata columns, in output order. */
export const METADATA_COLUMNS: readonly AddedColumn[] = [
  { name: 'error', type: 'string' },
  { name: 'cached', type: 'boolean' },
  { name: 'latency_ms', type: 'int' },
  { name: 'input_tokens', type: 'int' },
  { name: 'output_tokens', type: 'int' },
  { name: 'finish_reason', type: 'string' },
];

/**
 * The appended columns: the response (or, for typed answers, one typed column per top-level
 * property of the schema), then the metadata when asked for.
 */
export function addedColumns(outputColumn: string, metadata: boolean, properties?: readonly { name: string; type: ValueType }[]): AddedColumn[] {
  const answer: AddedColumn[] = properties ? properties.map(({ name, type }) => ({ name, type })) : [{ name: outputColumn, type: 'string' }];
  return metadata ? [...answer, ...METADATA_COLUMNS] : answer;
}

/** Cells for the appended columns, matching `addedColumns` (a failed typed row: every property null). */
export function addedCells(outcome: RowOutcome, metadata: boolean, properties?: readonly { name: string }[]): unknown[] {
  const answer = properties ? properties.map(({ name }) => outcome.value?.[name] ?? null) : [outcome.text];
  if (!metadata) return answer;
  return [
    ...answer,
    outcome.error ?? null,
    outcome.status === 'cached',
    outcome.latencyMs === undefined ? null : Math.round(outcome.latencyMs),
    outcome.usage.inputTokens ?? null,
    outcome.usage.outputTokens ?? null,
    outcome.finishReason,
  ];
}
