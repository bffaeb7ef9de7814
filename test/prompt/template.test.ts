import { describe, expect, it } from 'vitest';
import { compileColumn, compileTemplate } from '../../src/prompt/template.js';
import { cellText } from '../../src/io/cell-text.js';
import { UsageError } from '../../src/errors.js';

const columns = ['id', 'review', 'lang'];

describe('compileTemplate', () => {
  it('renders placeholders, with or without inner spaces', () => {
    const render = compileTemplate('Summarize ({{ lang }}): {{review}} #{{id}}', columns, '--template', 'reviews.csv');
    expect(render(['7', 'Great, "really"', 'en'])).toBe('Summarize (en): Great, "really" #7');
  });

  it('keeps text around and between placeholders exactly', () => {
    const render = compileTemplate('{{review}}{{review}}\n', columns, '--template', 'r.csv');
    expect(render(['1', 'ab', 'x'])).toBe('abab\n');
  });

  it('renders to an empty prompt (skipped) when every placeholder is blank', () => {
    const render = compileTemplate('Summarize ({{lang}}): {{review}}', columns, '--template', 'r.csv');
    expect(render(['1', '  ', ''])).toBe('');
    expect(render(['1', 'ok', ''])).toBe('Summarize (): ok');
  });

  it('names the unknown placeholder and lists the columns', () => {
    expect(() => compileTemplate('Hi {{revew}}', columns, '--template', 'reviews.csv')).toThrow(
      "--template: placeholder {{revew}} is not a column of reviews.csv; columns are: id, review, lang",
    );
  });

  it('rejects braces that never close, with the position', () => {
    expect(() => compileTemplate('Say {{review', columns, '--template', 'r.csv')).toThrow(
      "--template: '{{' at position 5 is never closed with '}}'",
    );
  });

  it('rejects a stray closing brace pair', () => {
    expect(() => compileTemplate('Say }} {{review}}', columns, '--template', 'r.csv')).toThrow(
      "--template: '}}' at position 5 has no matching '{{'",
    );
  });

  it('rejects an empty placeholder', () => {
    expect(() => compileTemplate('Say {{ }}', columns, '--template', 'r.csv')).toThrow(
      '--template: placeholder at position 5 needs a column name, as in {{review}}',
    );
  });

  it('rejects a template without placeholders (every row would be the same prompt)', () => {
    expect(() => compileTemplate('Hello', columns, '--template', 'r.csv')).toThrow(/has no \{\{column\}\} placeholder/);
  });
});

describe('template escapes and spaced column names', () => {
  it('writes \\{{ and \\}} as literal braces, so a JSON example can be part of the prompt', () => {
    const render = compileTemplate('Answer as {"label": {"name": "x"\\}} for: {{review}} (\\{{id\\}})', columns, '--template', 'r.csv');
    expect(render(['1', 'great', 'en'])).toBe('Answer as {"label": {"name": "x"}} for: great ({{id}})');
  });

  it('keeps a third brace after a placeholder as text', () => {
    expect(compileTemplate('{"v": {{review}}}', columns, '-t', 'r.csv')(['1', 'x', 'en'])).toBe('{"v": x}');
  });

  it('says how to write a literal }} when one is unescaped', () => {
    expect(() => compileTemplate('Answer as {"a": {"b": 1}} for: {{review}}', columns, '--template', 'r.csv')).toThrow(
      new UsageError(`--template: '}}' at position 24 has no matching '{{'; write \\}} for a literal '}}'`),
    );
  });

  it('addresses a column whose name has blanks at its ends, exactly or by its trimmed name', () => {
    const spaced = ['id', ' review ', 'lang'];
    expect(compileTemplate('{{ review }}|{{review}}', spaced, '-t', 'r.csv')(['1', 'x', 'en'])).toBe('x|x');
    const both = ['review', ' review'];
    expect(compileTemplate('{{review}}/{{ review}}', both, '-t', 'r.csv')(['a', 'b'])).toBe('a/b');
  });

  it('asks for the exact name when two columns trim to the same one', () => {
    expect(() => compileTemplate('{{review}}', [' review', 'review '], '-t', 'r.csv')).toThrow(
      new UsageError('-t: placeholder {{review}} matches columns " review" and "review " of r.csv; write the name with its spaces, as in {{ name}}'),
    );
  });

  it('lists at most 20 columns of a 200,000-column header, on one line, and says how many more', () => {
    const wide = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    wide[1] = 'two\nlines';
    let message = '';
    try {
      compileTemplate('{{nope}}', wide, '-t', 'wide.csv');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      `-t: placeholder {{nope}} is not a column of wide.csv; columns are: c0, "two\\nlines", ${wide.slice(2, 20).join(', ')}, and 199,980 more`,
    );
  });
});

describe('compileColumn', () => {
  it('returns the cell', () => {
    expect(compileColumn('review', columns, 'r.csv')(['1', 'text', 'en'])).toBe('text');
  });

  it('names the missing column and lists the columns', () => {
    expect(() => compileColumn('revew', columns, 'reviews.csv')).toThrow(
      "column 'revew' not found in reviews.csv; columns are: id, review, lang",
    );
  });
});

describe('cellText', () => {
  it('renders non-text cells the way a person would write them', () => {
    expect(cellText(null)).toBe('');
    expect(cellText(undefined)).toBe('');
    expect(cellText(42)).toBe('42');
    expect(cellText(12345678901234567890n)).toBe('12345678901234567890');
    expect(cellText(true)).toBe('true');
    expect(cellText(new Date('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05.000Z');
    expect(cellText(['a', 1, null])).toBe('["a",1,null]');
    expect(cellText({ a: 1n })).toBe('{"a":1}');
  });
});
