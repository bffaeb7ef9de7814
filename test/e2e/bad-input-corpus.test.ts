/**
 * The bad-input corpus: every way an input or a flag can be wrong gets one exact line on stderr and
 * exit 1, and leaves nothing at the output path (no temp file either). Inputs that look odd but are
 * fine (CRLF, BOM, a 10 MB cell, a schema-only Arrow stream, non-text cells) go through intact.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Bool,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  RecordBatchStreamWriter,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliResult } from './cli.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  mkdirSync(path.join(dir, 'in'));
  mkdirSync(path.join(dir, 'out'));
});
afterEach(() => cleanup());

/** Writes an input file under in/ and returns its path relative to the temp folder (the cwd). */
function input(name: string, content: string | Uint8Array): string {
  writeFileSync(path.join(dir, 'in', name), content);
  return `in/${name}`;
}

/** Runs llmap in the temp folder with the offline echo provider unless args name another. */
function run(args: string[], stdin?: string | Buffer): Promise<CliResult> {
  return runCli(['run', ...args, '--cache-dir', path.join(dir, 'cache')], { cwd: dir, stdin });
}

/** Every file and folder under the temp folder except the cache, with file contents. */
function snapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(dir, path.join(entry.parentPath, entry.name));
    if (rel === 'cache' || rel.startsWith(`cache${path.sep}`)) continue;
    files[rel] = entry.isDirectory() ? '<folder>' : readFileSync(path.join(dir, rel), 'latin1');
  }
  return files;
}

/**
 * Asserts the run fails with exit 1 and exactly `llmap: <message>` on stderr, and that it wrote
 * nothing anywhere: no file at the output path, no temp or partial file, every input unchanged.
 */
async function fails(args: string[], message: string, opts: { output?: string; stdin?: string | Buffer } = {}) {
  const output = opts.output ?? 'out/result.csv';
  const before = snapshot();
  const res = await run([...args, '-o', output], opts.stdin);
  expect(res.stderr).toBe(`llmap: ${message}\n`);
  expect(res.code).toBe(1);
  expect(res.stdout).toBe('');
  expect(snapshot()).toEqual(before);
  if (!(path.normalize(output) in before)) expect(existsSync(path.join(dir, output))).toBe(false);
}

/** Runs to success (exit 0, no stderr with -q); the output file is the only new file. Returns its text. */
async function succeeds(args: string[], output = 'out/result.csv'): Promise<string> {
  const before = snapshot();
  const res = await run([...args, '-o', output, '-q']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const text = readFileSync(path.join(dir, output), 'utf8');
  expect(snapshot()).toEqual({ ...before, [path.normalize(output)]: readFileSync(path.join(dir, output), 'latin1') });
  return text;
}

const echo = ['-p', 'echo'];
const ragged = 'a,b\n1,2\n3,4,5\n6\n';

const arrowTable = () =>
  new Table({ id: vectorFromArray([1, 2, 3], new Int32()), text: vectorFromArray(['a', 'b', 'c'], new Utf8()) });

describe('CSV that cannot be read', () => {
  it('an unterminated quote names the line its row starts on', () =>
    fails([input('q.csv', 'a,b\n1,2\n\n3,"4\n5,6\n'), '-c', 'a', ...echo], 'in/q.csv: line 4: a quote opened in the row starting here is never closed'));

  it('a row with more cells than the header', () =>
    fails([input('r.csv', ragged), '-c', 'a', ...echo], 'in/r.csv: line 3: row has 3 cells but the header has 2 (use --relax-column-count to allow)'));

  it('a row with fewer cells than the header', () =>
    fails([input('r.csv', 'a,b\n1,2\n3,4\n6\n'), '-c', 'a', ...echo], 'in/r.csv: line 4: row has 1 cell but the header has 2 (use --relax-column-count to allow)'));

  it('line numbers count a CRLF inside a quoted cell once', () =>
    fails(
      [input('r.csv', 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n3,4,5\r\n'), '-c', 'a', ...echo],
      'in/r.csv: line 5: row has 3 cells but the header has 2 (use --relax-column-count to allow)',
    ));

  it('a header name that appears twice', () =>
    fails([input('d.csv', 'id,text,id\n1,2,3\n'), '-c', 'text', ...echo], "in/d.csv: header: column 'id' appears twice (columns 1 and 3)"));

  it('an empty header cell', () =>
    fails([input('e.csv', 'id,,text\n1,2,3\n'), '-c', 'text', ...echo], 'in/e.csv: header: column 2 has no name'));

  it('invalid UTF-8 names the line', () =>
    fails(
      [input('u.csv', Buffer.concat([Buffer.from('id,text\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n')])), '-c', 'text', ...echo],
      'in/u.csv: line 3: is not valid UTF-8; save the file as UTF-8',
    ));

  it('a NUL byte names the line', () =>
    fails([input('n.csv', 'id,text\n1,a\n2,b\0c\n'), '-c', 'text', ...echo], 'in/n.csv: line 3: contains a NUL byte; is this a binary file?'));

  it('UTF-16 text, as Excel saves "Unicode text"', () =>
    fails(
      [input('x.tsv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\ttext\r\n1\thello\r\n', 'utf16le')])), '-c', 'text', ...echo],
      'in/x.tsv: line 1: is UTF-16 text; save the file as UTF-8',
    ));

  it('a tab-separated file read as CSV says to pass --input-format tsv', () =>
    fails(
      [input('t.csv', 'id\ttext\n1\thello\n'), '-c', 'text', ...echo],
      'in/t.csv: line 1: the header has tabs but no commas; if the file is tab-separated, pass --input-format tsv',
    ));

  it('an empty file', () => fails([input('empty.csv', ''), '-c', 'text', ...echo], "'in/empty.csv' is empty: expected a header row"));

  it('empty stdin', () => fails(['-', '-c', 'text', ...echo], "'stdin' is empty: expected a header row", { stdin: '' }));
});

describe('JSONL that cannot be read', () => {
  it('a line that is not JSON names the line', () =>
    fails(
      [input('b.jsonl', '{"a":"x"}\n\n{"a":"y",}\n'), '-c', 'a', ...echo],
      'in/b.jsonl: line 3: not valid JSON (Expected double-quoted property name in JSON at column 10)',
    ));

  it('a key written twice in one object names the line and the key', () =>
    fails(
      [input('k.jsonl', '{"id":1,"text":"a"}\n{"id":2,"text":"b","text":"c"}\n'), '-c', 'text', ...echo],
      'in/k.jsonl: line 2: key "text" appears twice in one object (column 20)',
    ));

  it('a line that is an array', () =>
    fails([input('a.jsonl', '{"id":1}\n[1,2]\n'), '-c', 'id', ...echo], 'in/a.jsonl: line 2: expected a JSON object, got an array'));

  it('invalid UTF-8 names the line', () =>
    fails(
      [input('u.jsonl', Buffer.concat([Buffer.from('{"t":"a"}\n{"t":"'), Buffer.from([0xff]), Buffer.from('"}\n')])), '-c', 't', ...echo],
      'in/u.jsonl: line 2: is not valid UTF-8; save the file as UTF-8',
    ));

  it('an empty file', () =>
    fails([input('e.jsonl', '\n\n'), '-c', 't', ...echo], "'in/e.jsonl' is empty: expected one JSON object per line"));
});

describe('Arrow that cannot be read', () => {
  const corrupt = 'not a valid Arrow IPC file or stream (it is truncated or corrupt)';

  it('a truncated Arrow file', () => {
    const bytes = tableToIPC(arrowTable(), 'file');
    return fails([input('t.arrow', bytes.subarray(0, bytes.length - 40)), '-c', 'text', ...echo], `in/t.arrow: ${corrupt}`);
  });

  it('a truncated Arrow stream', () => {
    const bytes = tableToIPC(arrowTable(), 'stream');
    return fails([input('t.arrows', bytes.subarray(0, 150)), '-c', 'text', ...echo], `in/t.arrows: ${corrupt}`);
  });

  it('a truncated Arrow stream on stdin', () => {
    const bytes = tableToIPC(arrowTable(), 'stream');
    return fails(['-', '--input-format', 'arrow', '-c', 'text', ...echo], `stdin: ${corrupt}`, { stdin: Buffer.from(bytes.subarray(0, 150)) });
  });

  it('only the magic bytes', () => fails([input('m.arrow', 'ARROW1\0\0'), '-c', 'text', ...echo], `in/m.arrow: ${corrupt}`));

  it('a CSV file named .arrow', () =>
    fails(
      [input('c.arrow', 'id,text\n1,a\n'), '-c', 'text', ...echo],
      'in/c.arrow: not a valid Arrow IPC file or stream (it does not start like one); if it is csv, tsv or jsonl, pass --input-format',
    ));

  it('an empty file', () => fails([input('e.arrow', ''), '-c', 'text', ...echo], "'in/e.arrow' is empty: expected an Arrow IPC file or stream"));
});

describe('paths and formats', () => {
  it('a missing file', () => fails(['in/nope.csv', '-c', 'text', ...echo], "cannot read 'in/nope.csv': no such file"));

  it('a folder as the input', () => {
    mkdirSync(path.join(dir, 'in', 'folder.csv'));
    return fails(['in/folder.csv', '-c', 'text', ...echo], "cannot read 'in/folder.csv': it is a folder");
  });

  it('an unknown --input-format', () =>
    fails([input('x.csv', 'a\n1\n'), '--input-format', 'orc', '-c', 'a', ...echo], "unsupported format 'orc' for --input-format; use csv, tsv, jsonl, arrow or parquet"));

  it('an unknown --output-format', () =>
    fails([input('x.csv', 'a\n1\n'), '--output-format', 'xml', '-c', 'a', ...echo], "unsupported format 'xml' for --output-format; use csv, tsv, jsonl, arrow or parquet"));

  it('an output path in a missing folder', () =>
    fails([input('x.csv', 'a\n1\n'), '-c', 'a', ...echo], "cannot write 'out/no/such/result.csv': folder 'out/no/such' does not exist", {
      output: 'out/no/such/result.csv',
    }));

  it('an output path that is a folder', () => {
    mkdirSync(path.join(dir, 'out', 'taken.csv'));
    return fails([input('x.csv', 'a\n1\n'), '-c', 'a', ...echo], "cannot write 'out/taken.csv': it is a folder", { output: 'out/taken.csv' });
  });

  it('the output path is the input path, and the input is left alone', async () => {
    const x = input('x.csv', 'a\n1\n');
    await fails([x, '-c', 'a', ...echo], "--output 'in/x.csv' is the input file; write to another path", { output: x });
    await fails([x, '-c', 'a', ...echo], "--output './in/../in/x.csv' is the input file; write to another path", { output: './in/../in/x.csv' });
    // Another name for the same file: a symlink, and a hard link.
    symlinkSync(path.join(dir, x), path.join(dir, 'out', 'alias.csv'));
    await fails([x, '-c', 'a', ...echo], "--output 'out/alias.csv' is the input file; write to another path", { output: 'out/alias.csv' });
    linkSync(path.join(dir, x), path.join(dir, 'out', 'hard.csv'));
    await fails([x, '-c', 'a', ...echo], "--output 'out/hard.csv' is the input file; write to another path", { output: 'out/hard.csv' });
    expect(readFileSync(path.join(dir, x), 'utf8')).toBe('a\n1\n');
  });
});

describe('prompt and flag values', () => {
  const reviews = () => input('reviews.csv', 'id,review\n1,good\n');

  it('template braces that never close', () =>
    fails([reviews(), '-t', 'Rate: {{review', ...echo], "--template: '{{' at position 7 is never closed with '}}'; write \\{{ for a literal '{{'"));

  it('a placeholder that is not a column', () =>
    fails([reviews(), '-t', 'Rate: {{revew}}', ...echo], '--template: placeholder {{revew}} is not a column of in/reviews.csv; columns are: id, review'));

  it.each([
    [['-j', '0'], "expected --concurrency to be a whole number from 1 to 10000, got '0'"],
    [['-j', 'abc'], "expected --concurrency to be a whole number from 1 to 10000, got 'abc'"],
    [['--temperature', '9'], "expected --temperature to be a number from 0 to 2, got '9'"],
    [['--timeout', 'abc'], "expected --timeout to be a duration such as 500ms, 30s or 2m (a bare number is seconds), got 'abc'"],
    [['--retries', '-1'], "expected --retries to be a whole number from 0 to 100, got '-1'"],
    [['--limit', 'x'], "expected --limit to be a whole number >= 0, got 'x'"],
  ])('%j', (flags, message) => fails([reviews(), '-c', 'review', ...echo, ...flags], message));
});

describe('odd inputs that are not errors', () => {
  it('--relax-column-count pads short rows and drops extra cells', async () => {
    expect(await succeeds([input('r.csv', ragged), '-c', 'a', ...echo, '--relax-column-count'])).toBe('a,b,response\n1,2,1\n3,4,3\n6,,6\n');
  });

  it('CRLF line ends and a BOM', async () => {
    const text = '\ufeffid,text\r\n1,"multi\r\nline"\r\n2,plain\r\n';
    expect(await succeeds([input('w.csv', text), '-t', '[{{text}}]', ...echo])).toBe(
      'id,text,response\n1,"multi\r\nline","[multi\r\nline]"\n2,plain,[plain]\n',
    );
  });

  it('a 10 MB cell comes through intact', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024) + '"é,\n' + 'y'.repeat(5 * 1024 * 1024);
    const quoted = `"${big.replace(/"/g, '""')}"`;
    const out = await succeeds([input('big.csv', `id,text\n1,${quoted}\n2,small\n`), '-c', 'text', ...echo]);
    expect(out).toBe(`id,text,response\n1,${quoted},${quoted}\n2,small,small\n`);
  });

  it('a 10 MB JSONL value comes through intact', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024) + '"é\n' + 'y'.repeat(5 * 1024 * 1024);
    const out = await succeeds([input('big.jsonl', JSON.stringify({ id: 1, text: big }) + '\n'), '-c', 'text', ...echo], 'out/result.jsonl');
    expect(JSON.parse(out)).toEqual({ id: 1, text: big, response: big });
  });

  it('an Arrow stream with a schema and no batches gives a header-only table', async () => {
    const schema = new Schema([new Field('id', new Int32(), true), new Field('text', new Utf8(), true)]);
    const writer = new RecordBatchStreamWriter();
    writer.reset(undefined, schema);
    writer.finish();
    const file = input('empty.arrows', writer.toUint8Array(true));
    expect(await succeeds([file, '-c', 'text', ...echo])).toBe('id,text,response\n');
    await succeeds([file, '-c', 'text', ...echo], 'out/result.arrow');
    const table = tableFromIPC(readFileSync(path.join(dir, 'out/result.arrow')));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['id:Int32', 'text:Utf8', 'response:Utf8']);
  });

  it('non-text Arrow cells are written into prompts as a person would write them', async () => {
    const table = new Table({
      n: vectorFromArray([42, 1.5, null], new Float64()),
      big: vectorFromArray([9007199254740993n, -3n, null], new Int64()),
      b: vectorFromArray([true, false, null], new Bool()),
      l: vectorFromArray([['a', 'b'], [], null], new List(new Field('item', new Utf8(), true))),
      s: vectorFromArray(['x', 'y', 'z'], new Utf8()),
    });
    const file = input('cells.arrow', tableToIPC(table, 'file'));
    const out = await succeeds([file, '-t', 'n={{n}} big={{big}} b={{b}} l={{l}} s={{s}}', ...echo], 'out/result.jsonl');
    expect(out.trimEnd().split('\n').map((line) => JSON.parse(line).response)).toEqual([
      'n=42 big=9007199254740993 b=true l=["a","b"] s=x',
      'n=1.5 big=-3 b=false l=[] s=y',
      'n= big= b= l= s=z',
    ]);
  });

  it('non-text JSONL cells are written into prompts as a person would write them', async () => {
    // Row 2 has no "z" key at all: a missing key is a null cell, not an error.
    const text =
      '{"n":42,"f":1.5,"z":null,"l":["a",1,null],"o":{"k":"v"},"b":true}\n' + '{"n":-7,"f":0.1,"l":[],"o":{},"b":false}\n';
    const out = await succeeds([input('cells.jsonl', text), '-t', '{{n}}|{{f}}|{{z}}|{{l}}|{{o}}|{{b}}', ...echo], 'out/result.jsonl');
    expect(out.trimEnd().split('\n').map((line) => JSON.parse(line).response)).toEqual([
      '42|1.5||["a",1,null]|{"k":"v"}|true',
      '-7|0.1||[]|{}|false',
    ]);
  });

  it('a numeric column as the prompt with -c; a null cell is skipped', async () => {
    const out = await succeeds([input('n.jsonl', '{"n":42}\n{"n":null}\n{"n":0}\n'), '-c', 'n', ...echo, '--metadata'], 'out/result.jsonl');
    expect(out.trimEnd().split('\n').map((line) => JSON.parse(line).response)).toEqual(['42', '', '0']);
  });
});
