import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openTableSource } from '../../src/io/open-table-source.js';
import { readRows, rejection, tempFile } from './helpers.js';

const readJsonl = async (content: string | Uint8Array) => {
  const source = await openTableSource({ path: tempFile('data.jsonl', content), format: 'jsonl' });
  return { columns: source.columns, rows: await readRows(source) };
};

const jsonlError = async (content: string): Promise<string> => {
  const path = tempFile('data.jsonl', content);
  const err = await rejection((async () => readRows(await openTableSource({ path, format: 'jsonl' })))());
  expect(err).toBeInstanceOf(InputError);
  return err.message.replace(path, 'data.jsonl');
};

describe('JSONL reader', () => {
  it('takes columns from the first object and keeps JSON types', async () => {
    const text =
      '{"id":1,"text":"a, \\"b\\"","ok":true}\n' +
      '\n' +
      '{"text":"😀 日本","id":2.5,"ok":null}\r\n' +
      '{"id":3,"ok":false,"text":{"nested":[1,2]}}\n' +
      '{"id":4}';
    expect(await readJsonl(text)).toEqual({
      columns: ['id', 'text', 'ok'],
      rows: [
        [1, 'a, "b"', true],
        [2.5, '😀 日本', null],
        [3, { nested: [1, 2] }, false],
        [4, null, null],
      ],
    });
  });

  it('strips a BOM from the first line', async () => {
    expect((await readJsonl('\ufeff{"a":1}\n')).columns).toEqual(['a']);
  });

  it('handles a column named like an Object.prototype member', async () => {
    expect((await readJsonl('{"constructor":"x","id":1}\n{"id":2}\n')).rows).toEqual([
      ['x', 1],
      [null, 2],
    ]);
  });

  it('reads lines split across chunks from stdin', async () => {
    const stdin = Readable.from([Buffer.from('{"a":"x'), Buffer.from('y"}\n{"a"'), Buffer.from(':2}\n')]);
    const source = await openTableSource({ path: '-', format: 'jsonl', stdin });
    expect(source.columns).toEqual(['a']);
    expect(await readRows(source)).toEqual([['xy'], [2]]);
  });

  describe('errors', () => {
    it('a key not in the first row', async () => {
      const text = '{"id":1,"text":"a"}\n{"id":2,"text":"b"}\n\n{"id":3,"text":"c"}\n{"id":4,"foo":1}\n';
      expect(await jsonlError(text)).toBe("data.jsonl: line 5: key 'foo' is not in the first row's keys (id, text)");
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
