/**
 * Where a JSON text first goes wrong, as line and column. JSON.parse's messages differ between
 * Node versions and some quote the whole text instead of giving a position, so a failed parse is
 * scanned again here to point at the spot the same way everywhere.
 */

/** The first syntax error: what was found, and where (1-based). */
export interface JsonSyntaxError {
  reason: string;
  line: number;
  column: number;
}

class Stop extends Error {
  constructor(readonly at: number, readonly reason: string) {
    super(reason);
  }
}

/** Locates the first syntax error of `text`; undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (reason?: string): never => {
    throw new Stop(i, reason ?? (i >= text.length ? 'unexpected end of file' : `unexpected ${describeChar(text[i])}`));
  };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const code = text.charCodeAt(i);
      if (code < 0x20) fail(code === 0x0a ? 'line break inside a string' : 'control character inside a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 4;
        } else if (i >= text.length || !'"\\/bfnrt'.includes(text[i])) fail('bad escape in a string');
      }
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    skipSpace();
    const ch = text[i];
    if (ch === '{') return object();
    if (ch === '[') return array();
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch >= '0' && ch <= '9')) return number();
    fail();
  };
  const object = () => {
    i++;
    skipSpace();
    if (text[i] === '}') return void i++;
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma' : undefined);
      string();
      skipSpace();
      if (text[i] !== ':') fail();
      i++;
      value();
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') return void i++;
      fail();
    }
  };
  const array = () => {
    i++;
    skipSpace();
    if (text[i] === ']') return void i++;
    for (;;) {
      skipSpace();
      if (text[i] === ']') fail('trailing comma');
      value();
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') return void i++;
      fail();
    }
  };

  try {
    value();
    skipSpace();
    if (i < text.length) fail();
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { reason: err.reason, ...lineColumn(text, err.at) };
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function describeChar(ch: string): string {
  if (ch === '/') return "'/' (comments are not allowed in JSON)";
  if (ch === "'") return `"'" (JSON strings take double quotes)`;
  if (ch.trim() === '') return `whitespace character U+${ch.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${ch}'`;
}
