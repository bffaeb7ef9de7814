import { describe, expect, it } from 'vitest';
import { compileColumn, compileTemplate } from '../../src/prompt/template.js';
import { cellText } from '../../src/io/cell-text.js';

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
