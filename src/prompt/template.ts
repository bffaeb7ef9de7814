/**
 * Prompt templates: `{{column}}` placeholders over the input columns. Compiled once against the
 * header, so an unknown column fails before any call is made, then rendered per row cheaply.
 */
import { UsageError } from '../errors.js';
import type { Row } from '../io/table.js';
import { cellText } from '../io/cell-text.js';
import { columnList, columnName } from '../io/column-list.js';
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
const ESCAPE = '\\';

/**
 * Splits a template into literals and placeholder names; throws UsageError on a malformed one.
 * `\{{` and `\}}` are a literal `{{` and `}}` (the escape Handlebars and Mustache users know), so a
 * JSON example can be part of a prompt. A placeholder name keeps its inner spaces here; binding
 * decides how they match.
 */
export function parseTemplate(template: string, where: string): ParsedTemplate {
  const literals: string[] = [];
  const names: string[] = [];
  let pos = 0;
  let text = '';
  for (;;) {
    const open = template.indexOf(OPEN, pos);
    const close = template.indexOf(CLOSE, pos);
    if (open === -1 && close === -1) break;
    const at = open === -1 ? close : close === -1 ? open : Math.min(open, close);
    if (template[at - 1] === ESCAPE) {
      text += template.slice(pos, at - 1) + template.slice(at, at + 2);
      pos = at + 2;
      continue;
    }
    if (at === close) {
      throw new UsageError(`${where}: '}}' at position ${close + 1} has no matching '{{'; write \\}} for a literal '}}'`);
    }
    text += template.slice(pos, open);
    const end = template.indexOf(CLOSE, open + OPEN.length);
    if (end === -1) {
      throw new UsageError(`${where}: '{{' at position ${open + 1} is never closed with '}}'; write \\{{ for a literal '{{'`);
    }
    const name = template.slice(open + OPEN.length, end);
    if (name.trim() === '' || name.includes(OPEN)) {
      throw new UsageError(
        `${where}: placeholder at position ${open + 1} needs a column name, as in {{review}}`,
      );
    }
    literals.push(text);
    names.push(name);
    text = '';
    pos = end + CLOSE.length;
  }
  literals.push(text + template.slice(pos));
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
  const indices = names.map((name) => placeholderColumn(name, columns, where, inputName));
  if (indices.length === 0) {
    throw new UsageError(
      `${where}: the template has no {{column}} placeholder, so every row would get the same prompt; columns are: ${columnList(columns)}`,
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
      `column '${column}' not found in ${inputName}; columns are: ${columnList(columns)}`,
    );
  }
  return (row) => textOf(row[i], i);
}

/**
 * The column a placeholder names: `{{ review }}` is column 'review'; a column whose name has blanks
 * at its ends is found by its exact name (`{{ review}}` for ' review') or, when no other column
 * trims to the same name, by its trimmed one (`{{review}}`).
 */
function placeholderColumn(name: string, columns: readonly string[], where: string, inputName: string): number {
  const exact = columns.indexOf(name);
  if (exact !== -1) return exact;
  const trimmed = name.trim();
  const plain = columns.indexOf(trimmed);
  if (plain !== -1) return plain;
  const spaced = columns.flatMap((column, i) => (column.trim() === trimmed ? [i] : []));
  if (spaced.length === 1) return spaced[0];
  if (spaced.length > 1) {
    throw new UsageError(
      `${where}: placeholder {{${name}}} matches columns ${spaced.map((i) => columnName(columns[i])).join(' and ')} of ${inputName}; ` +
        'write the name with its spaces, as in {{ name}}',
    );
  }
  throw new UsageError(`${where}: placeholder {{${name}}} is not a column of ${inputName}; columns are: ${columnList(columns)}`);
}

export type { CellText };

const defaultText: CellText = (value) => cellText(value);
