import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openTableSource } from '../../src/io/open-table-source.js';
import { SAMPLE_LINES } from '../../src/io/jsonl-columns.js';
import { readRows, rejection, tempFile } from './helpers.js';

/** Columns, and each row's cells as prompts and CSV show them (null for a missing key or null). */
const readJsonl = async (content: string | Uint8Array, allKeys = false) => {
  const source = await openTableSource({ path: tempFile('data.jsonl', content), format: 'jsonl' }, { allKeys });
  const rows = (await readRows(source)).map((row) => Array.from(row, (cell, i) => (cell === null || cell === undefined ? null : source.cellText(cell, i))));
  return { columns: source.columns, rows };
};

const jsonlError = async (content: string, allKeys = false): Promise<string> => {
  const path = tempFile('data.jsonl', content);
  const err = await rejection((async () => readRows(await openTableSource({ path, format: 'jsonl' }, { allKeys })))());
  expect(err).toBeInstanceOf(InputError);
  return err.message.replace(path, 'data.jsonl');
};

describe('JSONL reader', () => {
  it('takes the columns from the keys, in the order first seen, and renders cells as written', async () => {
    const text =
      '{"id":1,"text":"a, \\"b\\"","ok":true}\n' +
      '\n' +
      '{"text":"😀 日本","id":2.5,"ok":null}\r\n' +
      '{"id":3,"ok":false,"text":{"nested":[1,2]}}\n' +
      '{"id":4}';
    expect(await readJsonl(text)).toEqual({
      columns: ['id', 'text', 'ok'],
      rows: [
        ['1', 'a, "b"', 'true'],
        ['2.5', '😀 日本', null],
        ['3', '{"nested":[1,2]}', 'false'],
        ['4', null, null],
      ],
    });
  });

  it('strips a BOM from the first line', async () => {
    expect((await readJsonl('\ufeff{"a":1}\n')).columns).toEqual(['a']);
  });

  it('handles a column named like an Object.prototype member', async () => {
    expect((await readJsonl('{"constructor":"x","id":1}\n{"id":2}\n')).rows).toEqual([
      ['x', '1'],
      [null, '2'],
    ]);
  });

  it('reads lines split across chunks from stdin', async () => {
    const stdin = Readable.from([Buffer.from('{"a":"x'), Buffer.from('y"}\n{"a"'), Buffer.from(':2}\n')]);
    const source = await openTableSource({ path: '-', format: 'jsonl', stdin });
    expect(source.columns).toEqual(['a']);
    expect((await readRows(source)).map((row) => Array.from(row, (cell, i) => source.cellText(cell, i)))).toEqual([['xy'], ['2']]);
  });

  it('keeps number text a double would change, in prompts and in nested values', async () => {
    const text =
      '{"id":12345678901234567890,"n":9007199254740993,"z":-0,"e":1e400,"f":1.50,"t":0.0000001,"E":2E-3,"l":[1.0,{"x":-0}]}\n' +
      '{"id":42,"n":0.1,"z":0,"e":-5,"f":1.5,"t":100,"E":7,"l":[]}\n';
    expect(await readJsonl(text)).toEqual({
      columns: ['id', 'n', 'z', 'e', 'f', 't', 'E', 'l'],
      rows: [
        ['12345678901234567890', '9007199254740993', '-0', '1e400', '1.50', '0.0000001', '2E-3', '[1.0,{"x":-0}]'],
        ['42', '0.1', '0', '-5', '1.5', '100', '7', '[]'],
      ],
    });
  });

  it('decodes string escapes for prompts; a string that looks like a number stays a string', async () => {
    const text = '{"s":"tab\\t quote\\" \\u00e9 \\ud83d\\ude00 nul\\u0000","n":"1e400"}\n';
    expect((await readJsonl(text)).rows).toEqual([['tab\t quote" é 😀 nul\u0000', '1e400']]);
  });

  it('unions the keys of lines with different key sets, in the order first seen; a missing key is null', async () => {
    const text = '{"b":1,"a":2}\n{"a":3,"c":4}\n{}\n{"d":null,"b":5}\n';
    for (const allKeys of [false, true]) {
      expect(await readJsonl(text, allKeys)).toEqual({
        columns: ['b', 'a', 'c', 'd'],
        rows: [
          ['1', '2', null, null],
          [null, '3', '4', null],
          [null, null, null, null],
          ['5', null, null, null],
        ],
      });
    }
  });

  it('finds a key first seen after the sample in a file read ahead for all keys', async () => {
    const lines = Array.from({ length: SAMPLE_LINES }, (_, i) => JSON.stringify({ id: i }));
    lines.push('{"id":-1,"late":"x"}');
    const { columns, rows } = await readJsonl(lines.join('\n') + '\n', true);
    expect(columns).toEqual(['id', 'late']);
    expect(rows.at(-1)).toEqual(['-1', 'x']);
    expect(rows).toHaveLength(SAMPLE_LINES + 1);
  });

  it('stdin with fixed-column output: a key first seen after the sample is an error naming line and key', async () => {
    const lines = Array.from({ length: SAMPLE_LINES }, (_, i) => JSON.stringify({ id: i, text: 't' }));
    lines.push('{"id":1}', '{"id":2,"late":true}');
    const stdin = Readable.from([Buffer.from(lines.join('\n'))]);
    const source = await openTableSource({ path: '-', format: 'jsonl', stdin }, { allKeys: true });
    expect(source.columns).toEqual(['id', 'text']);
    const err = await rejection(readRows(source));
    expect(err.message).toBe(
      'stdin: line 20482: key "late" is not among the columns found in the first 20,480 objects (id, text); ' +
        'CSV, TSV and Arrow output need every column before the first row: read the table from a file instead of stdin, or write JSONL',
    );
  });

  it('stdin with JSONL output: keys after the sample pass through with their line, no error', async () => {
    const lines = Array.from({ length: SAMPLE_LINES }, (_, i) => JSON.stringify({ id: i }));
    lines.push('{"id":7,"late":true}');
    const stdin = Readable.from([Buffer.from(lines.join('\n'))]);
    const source = await openTableSource({ path: '-', format: 'jsonl', stdin });
    const rows = await readRows(source);
    expect(source.columns).toEqual(['id']);
    expect(rows).toHaveLength(SAMPLE_LINES + 1);
    expect(source.cellText(rows.at(-1)![0], 0)).toBe('7');
  });

  describe('errors', () => {
    it('a key written twice in one object, with the same or another value, at the top or nested', async () => {
      expect(await jsonlError('{"id":1}\n{"text":"first","text":"second"}\n')).toBe(
        'data.jsonl: line 2: key "text" appears twice in one object (column 17)',
      );
      expect(await jsonlError('{"a":1, "a":1}\n')).toBe('data.jsonl: line 1: key "a" appears twice in one object (column 9)');
      expect(await jsonlError('{"o":{"k\\"":1,"k\\"":1.0}}\n')).toBe('data.jsonl: line 1: key "k\\"" appears twice in one object (column 15)');
      // The same key in two different objects is no repeat.
      expect((await readJsonl('{"a":{"k":1},"b":{"k":1},"c":"\\":"}\n')).rows).toEqual([['{"k":1}', '{"k":1}', '":']]);
    });

    it('a file read ahead reports a bad line before the first row is read', async () => {
      const path = tempFile('data.jsonl', '{"id":1}\n{"id":2}\n{"id":\n');
      const err = await rejection(openTableSource({ path, format: 'jsonl' }, { allKeys: true }));
      expect(err.message).toMatch(/^.*data\.jsonl: line 3: not valid JSON \(.+\)$/);
    });


    it('bad JSON', async () => {
      const message = await jsonlError('{"id":1}\n{"id":2}\n{"id":\n');
      expect(message).toMatch(/^data\.jsonl: line 3: not valid JSON \(.+\)$/);
    });

    it('bad JSON messages stay on one line and give a 1-based column', async () => {
      expect(await jsonlError('{"id":1}\r\nid,text\r\n')).toBe(
        `data.jsonl: line 2: not valid JSON (Unexpected token 'i', "id,text\\r" is not valid JSON)`,
      );
      expect(await jsonlError('{"id":1}\n{"id":1,}\n')).toBe(
        'data.jsonl: line 2: not valid JSON (Expected double-quoted property name in JSON at column 9)',
      );
    });

    it('a line that is not an object', async () => {
      expect(await jsonlError('{"id":1}\n{"id":2}\n[1,2]\n')).toBe(
        'data.jsonl: line 3: expected a JSON object, got an array',
      );
      expect(await jsonlError('"text"\n')).toBe('data.jsonl: line 1: expected a JSON object, got a string');
      expect(await jsonlError('{"id":1}\nnull\n')).toBe('data.jsonl: line 2: expected a JSON object, got null');
    });

    it('an empty file', async () => {
      expect(await jsonlError('')).toBe("'data.jsonl' is empty: expected one JSON object per line");
      expect(await jsonlError('\n  \n')).toBe("'data.jsonl' is empty: expected one JSON object per line");
    });

    it('invalid UTF-8', async () => {
      const path = tempFile('data.jsonl', Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}\n')]));
      const err = await rejection(openTableSource({ path, format: 'jsonl' }));
      expect(err.message).toBe(`${path}: line 1: is not valid UTF-8; save the file as UTF-8`);
    });
  });
});
