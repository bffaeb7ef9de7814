/**
 * The columns llmap appends to each row, and their cells for one outcome.
 */
import type { AddedColumn } from '../io/table.js';
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

/** The appended columns: the response, then the metadata when asked for. */
export function addedColumns(outputColumn: string, metadata: boolean): AddedColumn[] {
  const response: AddedColumn = { name: outputColumn, type: 'string' };
  return metadata ? [response, ...METADATA_COLUMNS] : [response];
}

/** Cells for the appended columns, matching `addedColumns`. */
export function addedCells(outcome: RowOutcome, metadata: boolean): unknown[] {
  if (!metadata) return [outcome.text];
  return [
    outcome.text,
    outcome.error ?? null,
    outcome.status === 'cached',
    outcome.latencyMs === undefined ? null : Math.round(outcome.latencyMs),
    outcome.usage.inputTokens ?? null,
    outcome.usage.outputTokens ?? null,
    outcome.finishReason,
  ];
}
