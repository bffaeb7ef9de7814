/**
 * Plain-text tables for listing commands: columns padded to their widest cell, two spaces apart,
 * no trailing spaces, so the output reads well and greps/awks cleanly.
 */

/** The rows (first row = header) as lines, each ending in a newline. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd() + '\n').join('');
}
