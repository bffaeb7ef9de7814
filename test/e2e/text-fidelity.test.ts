/**
 * Every input cell comes back exactly (text formats): JSONL lines pass through as written, JSONL
 * numbers reach prompts as written, lines with different keys are normal, a repeated key is an
 * error; templates can hold literal braces and reach spaced column names; a full disk, a stale
 * .partial and a 200,000-column header are handled.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/** Runs llmap in the temp folder with the offline echo provider. */
const run = (args: string[], stdin?: string) => runCli(['run', ...args, '-p', 'echo', '--no-cache', '-q'], { cwd: dir, stdin });
const write = (name: string, text: string): string => {
  writeFileSync(path.join(dir, name), text);
  return name;
};
const read = (name: string): string => readFileSync(path.join(dir, name), 'utf8');
/** JSONL on stdin, column t, with the echo provider. */
const runStdin = (stdin: string, args: string[] = []) =>
  runCli(['run', '-', '--input-format', 'jsonl', '-c', 't', '-p', 'echo', '--no-cache', '-q', ...args], { cwd: dir, stdin });
/** 20,480 lines (the whole sample stdin's columns are read from), then `last`, a line with a new key. */
const lateKeyLines = (last: string): string => [...Array.from({ length: 20_480 }, (_, i) => `{"t":"${i}"}`), last].join('\n');

const JSONL =
  '{"id":12345678901234567890,"n":9007199254740993,"z":-0,"e":1e400,"f":1.50,"s":"a\\u00e9\\n\\"q\\"","nest":{"a":[1.0, 2e5]}, "x":true}\n' +
  '{ "s":"second", "zz": null }\r\n' +
  '\n' +
  '{}\n' +
  '{"n":1,"s":""}\n';

/** Runs on the JSONL above into `out`, expecting a clean run; the output file's text. */
async function outputOf(args: string[], out: string): Promise<string> {
  const res = await run([write('in.jsonl', JSONL), ...args, '-o', out]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return read(out);
}

describe('JSONL in, JSONL out', () => {
  it('each line is written as it came, the new keys appended; number text reaches the prompt as written', async () => {
    expect(await outputOf(['-t', 'id={{id}} n={{n}} z={{z}} e={{e}} f={{f}} nest={{nest}} s={{s}}'], 'out.jsonl')).toBe(
      '{"id":12345678901234567890,"n":9007199254740993,"z":-0,"e":1e400,"f":1.50,"s":"a\\u00e9\\n\\"q\\"","nest":{"a":[1.0, 2e5]}, "x":true,' +
        '"response":"id=12345678901234567890 n=9007199254740993 z=-0 e=1e400 f=1.50 nest={\\"a\\":[1.0,2e5]} s=aé\\n\\"q\\""}\n' +
        '{ "s":"second", "zz": null ,"response":"id= n= z= e= f= nest= s=second"}\n' +
        '{"response":""}\n' +
        '{"n":1,"s":"","response":"id= n=1 z= e= f= nest= s="}\n',
    );
  });

  it('stdin: a key first seen after the sample passes through with its line', async () => {
    const res = await runStdin(lateKeyLines('{"t":"last","late":1.50}'), ['--output-format', 'jsonl']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trimEnd().split('\n').at(-1)).toBe('{"t":"last","late":1.50,"response":"last"}');
  });
});

describe('JSONL in, CSV/TSV out', () => {
  it('columns are the union of the keys in the order first seen; numbers as written, nested values as JSON text', async () => {
    expect(await outputOf(['-c', 's'], 'out.csv')).toBe(
      'id,n,z,e,f,s,nest,x,zz,response\n' +
        '12345678901234567890,9007199254740993,-0,1e400,1.50,"aé\n""q""","{""a"":[1.0,2e5]}",true,,"aé\n""q"""\n' +
        ',,,,,second,,,,second\n' +
        ',,,,,,,,,\n' +
        ',1,,,,,,,,\n',
    );
  });

  it('stdin: a key first seen after the sample is an error naming the line and the key', async () => {
    const res = await runStdin(lateKeyLines('{"t":"last","late":1}'));
    expect(res.stderr).toBe(
      'llmap: stdin: line 20481: key "late" is not among the columns found in the first 20,480 objects (t); ' +
        'CSV, TSV and Arrow output need every column before the first row: read the table from a file instead of stdin, or write JSONL\n',
    );
    expect(res.code).toBe(1);
  });

  it('a key written twice in one object, on any line of a file, stops the run before anything is sent', async () => {
    const cache = path.join(dir, 'cache');
    const input = write('d.jsonl', '{"text":"ok"}\n{"text":"first","text":"second"}\n');
    const res = await runCli(['run', input, '-c', 'text', '-p', 'echo', '-q', '--cache-dir', cache, '-o', 'out.csv'], { cwd: dir });
    expect(res.stderr).toBe('llmap: d.jsonl: line 2: key "text" appears twice in one object (column 17)\n');
    expect(res.code).toBe(1);
    expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
    // Nothing was sent, so nothing was cached: a dry run of the first line alone finds no hit.
    const dry = await runCli(['run', write('ok.jsonl', '{"text":"ok"}\n'), '-c', 'text', '-p', 'echo', '--cache-dir', cache, '--dry-run'], { cwd: dir });
    expect(dry.stdout + dry.stderr).toMatch(/cache hits\s+0\n/);
  });

  it('JSONL output: a key written twice stops the run when its line is read', async () => {
    const res = await run([write('d.jsonl', '{"o":{"k":1,"k":1}}\n'), '-c', 'o', '-o', 'out.jsonl']);
    expect(res.stderr).toBe('llmap: d.jsonl: line 1: key "k" appears twice in one object (column 13)\n');
    expect(res.code).toBe(1);
  });
});

describe('templates', () => {
  it('\\{{ and \\}} are literal braces: a JSON example in a prompt works', async () => {
    const res = await run([write('in.csv', 'text\ngreat\n'), '-t', 'Answer as {"label": {"name": "x"\\}} for: {{text}}']);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('text,response\ngreat,"Answer as {""label"": {""name"": ""x""}} for: great"\n');
  });

  it('an unescaped }} says how to write it', async () => {
    const res = await run([write('in.csv', 'text\ngreat\n'), '-t', 'Answer as {"label": {"name": "x"}} for: {{text}}']);
    expect(res.stderr).toBe("llmap: --template: '}}' at position 33 has no matching '{{'; write \\}} for a literal '}}'\n");
    expect(res.code).toBe(1);
  });

  it('a column whose name has blanks at its ends can be addressed', async () => {
    const res = await run([write('in.csv', 'id, review \n1,fine\n'), '-t', '[{{review}}|{{ review }}]']);
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('id, review ,response\n1,fine,[fine|fine]\n');
  });

  it('a 200,000-column header: the column list stays one line and says how many more', async () => {
    const header = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    const input = write('wide.csv', `${header.join(',')}\n${header.map(() => 'x').join(',')}\n`);
    const res = await run([input, '-c', 'nope']);
    expect(res.stderr).toBe(`llmap: column 'nope' not found in wide.csv; columns are: ${header.slice(0, 20).join(', ')}, and 199,980 more\n`);
    expect(res.code).toBe(1);
  });
});

describe('output files', () => {
  it('a finished run removes the .partial an earlier stopped run left at the same path', async () => {
    write('out.csv.partial', 'text,response\nhalf\n');
    const res = await run([write('in.csv', 'text\na\n'), '-c', 'text', '-o', 'out.csv']);
    expect(res.code).toBe(0);
    expect(read('out.csv')).toBe('text,response\na,a\n');
    expect(existsSync(path.join(dir, 'out.csv.partial'))).toBe(false);
  });

  it('a full disk is one clear line naming the output (exit 1)', async () => {
    const input = write('in.csv', 'text\na\nb\n');
    for (const format of ['csv', 'jsonl']) {
      const res = await run([input, '-c', 'text', '-o', '/dev/full', '--output-format', format]);
      expect(res.stderr).toBe("llmap: cannot write '/dev/full': no space left on the device\n");
      expect(res.code).toBe(1);
    }
  });
});
