import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openTableSource } from '../../src/io/open-table-source.js';
import { readRows, rejection, tempDir, tempFile } from './helpers.js';

const readCsv = async (content: string | Uint8Array, name = 'reviews.csv', relaxColumnCount = false) => {
  const source = await openTableSource({ path: tempFile(name, content), format: name.endsWith('.tsv') ? 'tsv' : 'csv' }, { relaxColumnCount });
  return { columns: source.columns, rows: await readRows(source) };
};

/** The InputError message opening (or reading) `content` as reviews.csv fails with. */
const csvError = async (content: string | Uint8Array, name = 'reviews.csv'): Promise<string> => {
  const path = tempFile(name, content);
  const err = await rejection(
    (async () => readRows(await openTableSource({ path, format: 'csv' })))(),
  );
  expect(err).toBeInstanceOf(InputError);
  return err.message.replace(path, name);
};

describe('CSV reader', () => {
  it('reads the README fixture', async () => {
    const source = await openTableSource({ path: 'fixtures/reviews.csv', format: 'csv' });
    expect(source.columns).toEqual(['id', 'review', 'lang']);
    expect(source.name).toBe('fixtures/reviews.csv');
    const rows = await readRows(source);
    expect(rows).toHaveLength(8);
    expect(rows[1]).toEqual(['2', 'The box said "waterproof", but it leaked the first time it rained.', 'en']);
    expect(rows[4]).toEqual(['5', '', 'en']);
  });

  it('reads quoted commas, quotes, newlines, emoji and non-English text', async () => {
    const csv = 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,"line1\nline2"\n4,héllo 👋🏽 日本\n';
    expect(await readCsv(csv)).toEqual({
      columns: ['id', 'text'],
      rows: [
        ['1', 'a, b'],
        ['2', 'say "hi"'],
        ['3', 'line1\nline2'],
        ['4', 'héllo 👋🏽 日本'],
      ],
    });
  });

  it('strips a BOM and accepts CRLF line ends', async () => {
    const { columns, rows } = await readCsv('\ufeffid,text\r\n1,"x\r\ny"\r\n2,z\r\n');
    expect(columns).toEqual(['id', 'text']);
    expect(rows).toEqual([
      ['1', 'x\r\ny'],
      ['2', 'z'],
    ]);
  });

  it('reads TSV, where commas are plain text', async () => {
    expect(await readCsv('id\ttext\n1\ta, b\n2\t"tab\there"\n', 'data.tsv')).toEqual({
      columns: ['id', 'text'],
      rows: [
        ['1', 'a, b'],
        ['2', 'tab\there'],
      ],
    });
  });

  it('keeps a stray quote inside an unquoted cell', async () => {
    expect((await readCsv('id,size\n1,5" screen\n')).rows).toEqual([['1', '5" screen']]);
  });

  it('skips blank lines and handles a missing final newline', async () => {
    expect((await readCsv('id,x\n1,a\n\n2,b')).rows).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('knows the columns of a header-only file and yields no rows', async () => {
    expect(await readCsv('id,text\n')).toEqual({ columns: ['id', 'text'], rows: [] });
  });

  it('reads stdin when the path is -', async () => {
    const source = await openTableSource({ path: '-', format: 'csv', stdin: Readable.from([Buffer.from('a,b\n1,'), Buffer.from('2\n')]) });
    expect(source.name).toBe('stdin');
    expect(source.columns).toEqual(['a', 'b']);
    expect(await readRows(source)).toEqual([['1', '2']]);
  });

  it('reads a character split across chunks', async () => {
    const bytes = Buffer.from('a\n😀\n');
    const stdin = Readable.from([bytes.subarray(0, 4), bytes.subarray(4)]);
    expect(await readRows(await openTableSource({ path: '-', format: 'csv', stdin }))).toEqual([['😀']]);
  });

  it('pads short rows and drops extra cells with relaxColumnCount', async () => {
    expect((await readCsv('a,b,c\n1,2\n1,2,3,4\n', 'reviews.csv', true)).rows).toEqual([
      ['1', '2', ''],
      ['1', '2', '3'],
    ]);
  });

  describe('errors', () => {
    it('a row with too many cells', async () => {
      expect(await csvError('id,review,lang\n1,a,en\n2,b,en\n3,c,en,extra\n')).toBe(
        'reviews.csv: line 4: row has 4 cells but the header has 3 (use --relax-column-count to allow)',
      );
    });

    it('a row with too few cells', async () => {
      expect(await csvError('id,review,lang\n1,a\n')).toBe(
        'reviews.csv: line 2: row has 2 cells but the header has 3 (use --relax-column-count to allow)',
      );
    });

    it('an unterminated quote, on the line it opens', async () => {
      const csv = 'id,review\n1,a\n2,b\n3,c\n4,d\n5,e\n6,"never closed\n7,x\n8,y\n';
      expect(await csvError(csv)).toBe('reviews.csv: line 7: a quote opened in the row starting here is never closed');
    });

    it('an unterminated quote after empty lines and multi-line cells, CRLF or LF', async () => {
      const never = 'a quote opened in the row starting here is never closed';
      expect(await csvError('a,b\n1,"x\ny"\n\n3,"4\n5,6\n')).toBe(`reviews.csv: line 5: ${never}`);
      expect(await csvError('a,b\r\n1,"x\r\ny"\r\n\r\n3,"4\r\n5,6\r\n')).toBe(`reviews.csv: line 5: ${never}`);
      expect(await csvError('"a,b\n1,2\n')).toBe(`reviews.csv: line 1: ${never}`);
    });

    // csv-parse counts both bytes of a CRLF inside a quoted cell as line breaks.
    it('regression: line numbers after CRLF inside quoted cells are not shifted', async () => {
      expect(await csvError('a,b\r\n1,"x\r\ny\r\nz"\r\n2,"p\r\nq"\r\n3,4,5\r\n')).toBe(
        'reviews.csv: line 7: row has 3 cells but the header has 2 (use --relax-column-count to allow)',
      );
      expect(await csvError('a,b\r\n1,2\r\n3,"x\r\ny",5\r\n')).toBe(
        'reviews.csv: line 4: row has 3 cells but the header has 2 (use --relax-column-count to allow)',
      );
    });

    // The header length was unknown when the bad row was parsed in the same chunk as the header.
    it('regression: a ragged row right after the header names the header length, and 1 cell is singular', async () => {
      expect(await csvError('a,b\n1,2,3\n')).toBe(
        'reviews.csv: line 2: row has 3 cells but the header has 2 (use --relax-column-count to allow)',
      );
      expect(await csvError('a,b\n1\n')).toBe(
        'reviews.csv: line 2: row has 1 cell but the header has 2 (use --relax-column-count to allow)',
      );
    });

    it('a tab-separated file read as CSV', async () => {
      expect(await csvError('\nid\ttext\n1\tx\n')).toBe(
        'reviews.csv: line 2: the header has tabs but no commas; if the file is tab-separated, pass --input-format tsv',
      );
    });

    it('a duplicate header name', async () => {
      expect(await csvError('id,text,id\n1,2,3\n')).toBe(
        "reviews.csv: header: column 'id' appears twice (columns 1 and 3)",
      );
    });

    it('an empty header cell', async () => {
      expect(await csvError('id,,lang\n1,2,3\n')).toBe('reviews.csv: header: column 2 has no name');
    });

    it('an empty file', async () => {
      expect(await csvError('')).toBe("'reviews.csv' is empty: expected a header row");
      expect(await csvError('\ufeff\n\n')).toBe("'reviews.csv' is empty: expected a header row");
    });

    it('invalid UTF-8, with its line', async () => {
      const bytes = Buffer.concat([Buffer.from('id,text\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
      expect(await csvError(bytes)).toBe('reviews.csv: line 3: is not valid UTF-8; save the file as UTF-8');
    });

    it('a file ending inside a multi-byte character', async () => {
      const bytes = Buffer.concat([Buffer.from('id\n1\n'), Buffer.from('😀').subarray(0, 2)]);
      expect(await csvError(bytes)).toBe('reviews.csv: line 3: is not valid UTF-8; save the file as UTF-8');
    });

    it('UTF-16 text with a byte-order mark (Excel "Unicode text") is named as such', async () => {
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\ttext\r\n1\tx\r\n', 'utf16le')]);
      expect(await csvError(utf16, 'data.tsv')).toBe('data.tsv: line 1: is UTF-16 text; save the file as UTF-8');
    });

    it('a NUL byte, with its line', async () => {
      expect(await csvError('id,text\n1,a\0b\n')).toBe(
        'reviews.csv: line 2: contains a NUL byte; is this a binary file?',
      );
    });

    it('a missing file', async () => {
      const path = `${tempDir()}/x.csv`;
      const err = await rejection(openTableSource({ path, format: 'csv' }));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toBe(`cannot read '${path}': no such file`);
    });

    it('a folder', async () => {
      const path = tempDir();
      expect((await rejection(openTableSource({ path, format: 'csv' }))).message).toBe(
        `cannot read '${path}': it is a folder`,
      );
    });
  });

  it('close() releases the file and is safe to call twice', async () => {
    const source = await openTableSource({ path: tempFile('a.csv', 'a\n1\n2\n'), format: 'csv' });
    await source.close();
    await source.close();
  });
});
