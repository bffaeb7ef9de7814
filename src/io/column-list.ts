/**
 * Columns listed in a one-line message. A header can have 200,000 columns, and names can hold
 * spaces, commas or line breaks: the list stays short and on one line, and such names are quoted.
 */

/** How many column names a message lists before it says how many more there are. */
const SHOWN = 20;

/** "id, review, lang", or "c1, c2, ... c20, and 199,980 more"; names that need it in JSON quotes. */
export function columnList(columns: readonly string[]): string {
  const shown = columns.slice(0, SHOWN).map(columnName).join(', ');
  const more = columns.length - SHOWN;
  return more > 0 ? `${shown}, and ${more.toLocaleString('en-US')} more` : shown;
}

/** A column name as a message shows it: as is, or JSON-quoted when blanks at its ends, a comma or a control character would hide it. */
export function columnName(name: string): string {
  return name === '' || name.trim() !== name || /[,"\u0000-\u001f\u007f\u2028\u2029]/.test(name) ? JSON.stringify(name) : name;
}
