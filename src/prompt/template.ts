/**
 * Prompt templates: `{{column}}` placeholders over the input columns. Compiled once against the
 * header, so an unknown column fails before any call is made, then rendered per row cheaply.
 */
import { UsageError } from '../errors.js';
import type { Row } from '../io/table.js';
import { cellText } from '../io/cell-text.js';
import type { CellText } from '../io/table.js';

/** A compiled template: renders one row to the prompt text. */
export type RenderRow = (row: Row) => string;

/** A template parsed into literal text and placeholder names, not yet bound to columns. */
export interface ParsedTemplate {
  /** Literal pieces; `literals.length === names.length + 1`. */
  literals: string[];
  /** Placeholder column names, in order of appearance. */
  names: string[];
}

const OPEN = '{{';
const CLOSE = '}}';

/** Splits a template into literals and placeholder names; throws UsageError on a malformed one. */
export function parseTemplate(template: string, where: string): ParsedTemplate {
  const literals: string[] = [];
  const names: string[] = [];
  let pos = 0;
  let text = '';
  for (;;) {
    const open = template.indexOf(OPEN, pos);
    const strayClose = template.indexOf(CLOSE, pos);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      throw new UsageError(`${where}: '}}' at position ${strayClose + 1} has no matching '{{'`);
    }
    if (open === -1) {
      text += template.slice(pos);
      break;
    }
    text += template.slice(pos, open);
    const close = template.indexOf(CLOSE, open + OPEN.length);
    if (close === -1) {
      throw new UsageError(`${where}: '{{' at position ${open + 1} is never closed with '}}'`);
    }
    const name = template.slice(open + OPEN.length, close).trim();
    if (name === '' || name.includes('{{')) {
      throw new UsageError(
        `${where}: placeholder at position ${open + 1} needs a column name, as in {{review}}`,
      );
    }
    literals.push(text);
    names.push(name);
    text = '';
    pos = close + CLOSE.length;
  }
  literals.push(text);
  return { literals, names };
}

/**
 * Binds a template to a header. `where` names the template in messages (e.g. "--template"),
 * `inputName` the table (e.g. "reviews.csv").
 */
export function compileTemplate(
  template: string,
  columns: readonly string[],
  where: string,
  inputName: string,
  textOf: CellText = defaultText,
): RenderRow {
  const { literals, names } = parseTemplate(template, where);
  const indices = names.map((name) => {
    const i = columns.indexOf(name);
    if (i === -1) {
      throw new UsageError(
        `${where}: placeholder {{${name}}} is not a column of ${inputName}; columns are: ${columns.join(', ')}`,
      );
    }
    return i;
  });
  if (indices.length === 0) {
    throw new UsageError(
      `${where}: the template has no {{column}} placeholder, so every row would get the same prompt; columns are: ${columns.join(', ')}`,
    );
  }
  // A row whose placeholders are all blank renders to '' so it is skipped like an empty -c cell:
  // "Summarize: " alone is a paid call with no content.
  return (row) => {
    let out = literals[0];
    let blank = true;
    for (let k = 0; k < indices.length; k++) {
      const text = textOf(row[indices[k]], indices[k]);
      if (blank && text.trim() !== '') blank = false;
      out += text + literals[k + 1];
    }
    return blank ? '' : out;
  };
}

/** The prompt is one column's cell, as is. */
export function compileColumn(column: string, columns: readonly string[], inputName: string, textOf: CellText = defaultText): RenderRow {
  const i = columns.indexOf(column);
  if (i === -1) {
    throw new UsageError(
      `column '${column}' not found in ${inputName}; columns are: ${columns.join(', ')}`,
    );
  }
  return (row) => textOf(row[i], i);
}

export type { CellText };

const defaultText: CellText = (value) => cellText(value);
