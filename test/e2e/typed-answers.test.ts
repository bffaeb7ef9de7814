/**
 * Typed answers end to end: --schema/--fields sent as each vendor's structured output to the fake
 * server, every answer validated (invalid ones asked for again with the error quoted), and each
 * property written as a typed column in CSV, JSONL and Arrow.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { answersInvalid, conformingValue, startFakeServer, type FakeServer, type StructuredOptions } from '../fake-server/server.js';
import { runCli, tempDir } from './cli.js';
import { COLUMNS, FIELDS, SCHEMA, vendors, writeRows } from './review-schema.js';

/** OpenAI's strict form of SCHEMA: every object closed. */
const STRICT = {
  ...SCHEMA,
  properties: { ...SCHEMA.properties, author: { ...SCHEMA.properties.author, additionalProperties: false } },
  additionalProperties: false,
};

let server: FakeServer | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  cleanup?.();
});

async function setUp(structured: StructuredOptions = {}, behavior?: Parameters<FakeServer['setBehavior']>[0]) {
  server = await startFakeServer({ structured, behavior });
  const temp = tempDir();
  cleanup = temp.cleanup;
  return { dir: temp.dir, url: server.url };
}

describe('typed answers', () => {
  it.each(Object.keys(vendors) as (keyof typeof vendors)[])(
    '%s: 2,000 rows, a fifth of the first answers invalid, every cell typed in JSONL, CSV and Arrow; a rerun is served from the cache',
    async (vendor) => {
      const flags = vendors[vendor];
      const structured = { invalid: 0.2, seed: 7 };
      const { dir, url } = await setUp(structured);
      const { input, prompts } = writeRows(dir, 2000);
      const expected = prompts.map((p) => conformingValue(SCHEMA, p));
      const invalid = prompts.filter((p) => answersInvalid(p, structured)).length;
      expect(invalid).toBeGreaterThan(300);
      expect(invalid).toBeLessThan(500);
      const common = [...flags(url), '--cache-dir', path.join(dir, 'c'), '-c', 'text', '-j', '32'];
      const schemaArgs = vendor === 'anthropic' ? ['--schema', JSON.stringify(SCHEMA)] : ['--fields', FIELDS];
      const env = { TEST_KEY: 'k' };

      const jsonl = path.join(dir, 'out.jsonl');
      const report = path.join(dir, 'report.json');
      const first = await runCli(['run', input, ...common, ...schemaArgs, '-o', jsonl, '--report', report, '-q'], { env });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(server!.requests).toHaveLength(2000 + invalid);
      const stats = JSON.parse(readFileSync(report, 'utf8'));
      expect(stats.schemaRetries).toBe(invalid);
      expect(stats.rows).toMatchObject({ total: 2000, sent: 2000, failed: 0 });
      const lines = readFileSync(jsonl, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual(prompts.map((p, i) => ({ id: String(i + 1), text: p, ...expected[i] })));

      // The same schema again: every answer from the cache, in CSV and in Arrow.
      server!.reset();
      const csv = path.join(dir, 'out.csv');
      const second = await runCli(['run', input, ...common, ...schemaArgs, '-o', csv, '-q'], { env });
      expect(second.code).toBe(0);
      const arrow = path.join(dir, 'out.arrow');
      const third = await runCli(['run', input, ...common, ...schemaArgs, '-o', arrow, '-q'], { env });
      expect(third.code).toBe(0);
      expect(server!.requests).toHaveLength(0);

      const records: string[][] = parse(readFileSync(csv, 'utf8'));
      expect(records[0]).toEqual(['id', 'text', ...COLUMNS]);
      expect(records.slice(1)).toEqual(
        expected.map((v, i) => [String(i + 1), prompts[i], v.sentiment, String(v.score), String(v.stars), String(v.is_spam), JSON.stringify(v.topics), JSON.stringify(v.author)]),
      );

      const table = tableFromIPC(readFileSync(arrow));
      expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        'id:Utf8', 'text:Utf8', 'sentiment:Dictionary<Int32, Utf8>', 'score:Float64', 'stars:Int64', 'is_spam:Bool',
        'topics:List<Utf8>', 'author:Struct<{name:Utf8, age:Int64}>',
      ]);
      expect(table.numRows).toBe(2000);
      const bigintsAsNumbers = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
      expect(bigintsAsNumbers(table.toArray().map((row) => row.toJSON()))).toEqual(lines);
    },
    120_000,
  );

  it('sends each vendor its structured-output request exactly, and a retry quotes the error as a follow-up turn', async () => {
    const structured = { invalid: 1, seed: 1 };
    const { dir, url } = await setUp(structured);
    const input = path.join(dir, 'one.csv');
    writeFileSync(input, 'id,text\n1,so good\n');
    const common = ['-c', 'text', '--no-cache', '-s', 'Rate the review.', '--schema', JSON.stringify(SCHEMA), '-q'];

    const openai = await runCli(['run', input, ...vendors.openai(url), ...common]);
    expect(openai.code).toBe(0);
    const [firstAsk, retry] = server!.requests.map((r) => r.body);
    expect(firstAsk).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'Rate the review.' }, { role: 'user', content: 'so good' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: STRICT, strict: true } },
    });
    expect(retry.messages.slice(0, 2)).toEqual(firstAsk.messages);
    expect(retry.messages).toHaveLength(4);
    expect(retry.messages[2].role).toBe('assistant');
    expect(retry.messages[3]).toEqual({ role: 'user', content: expect.stringMatching(/^Your answer was not valid: the (model refused|answer is not JSON|answer does not match the schema).*\. Answer again with only the JSON object the schema describes\.$/) });
    expect(retry.response_format).toEqual(firstAsk.response_format);

    server!.reset();
    const anthropic = await runCli(['run', input, ...vendors.anthropic(url), ...common], { env: { TEST_KEY: 'k' } });
    expect(anthropic.code).toBe(0);
    const [ask, again] = server!.requests.map((r) => r.body);
    const tool = { name: 'answer', description: 'Record the answer. Its input is the answer, in the given schema.', input_schema: SCHEMA };
    expect(ask).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      system: 'Rate the review.',
      messages: [{ role: 'user', content: 'so good' }],
      tools: [tool],
      tool_choice: { type: 'tool', name: 'answer' },
    });
    const bad = { ...conformingValue(SCHEMA, 'so good'), sentiment: 'not-a-label' };
    expect(again).toEqual({
      ...ask,
      messages: [
        { role: 'user', content: 'so good' },
        { role: 'assistant', content: [{ type: 'tool_use', id: expect.stringMatching(/^toolu_fake\d+$/), name: 'answer', input: bad }] },
        {
          role: 'user',
          content: [{
            type: 'tool_result',
            tool_use_id: again.messages[1].content[0].id,
            is_error: true,
            content: 'Your answer was not valid: the answer does not match the schema: /sentiment must be equal to one of the allowed values: "positive", "negative", "neutral". Answer again with only the JSON object the schema describes.',
          }],
        },
      ],
    });
  });

  it('a row whose answers stay invalid fails with the validation error, nothing typed is written, and nothing is cached', async () => {
    const structured = { invalid: 1, seed: 3, invalidRetries: true };
    const { dir, url } = await setUp(structured);
    const input = path.join(dir, 'two.csv');
    writeFileSync(input, 'id,text\n1,first\n2,second\n');
    const args = ['run', input, '-p', 'anthropic', '-m', 'claude-haiku-4-5', '--base-url', url, '--api-key-env', 'TEST_KEY', '-c', 'text',
      '--fields', 'label: enum(a, b); n: int', '--schema-retries', '1', '--metadata', '--cache-dir', path.join(dir, 'c'), '-q'];
    const res = await runCli(args, { env: { TEST_KEY: 'k' } });
    expect(res.code).toBe(2);
    expect(server!.requests).toHaveLength(4);
    const rows: string[][] = parse(res.stdout);
    expect(rows[0]).toEqual(['id', 'text', 'label', 'n', 'error', 'cached', 'latency_ms', 'input_tokens', 'output_tokens', 'finish_reason']);
    for (const row of rows.slice(1)) {
      expect(row.slice(2, 5)).toEqual(['', '', 'the answer does not match the schema: /label must be equal to one of the allowed values: "a", "b" (after 2 answers)']);
    }
    server!.reset();
    await runCli(args, { env: { TEST_KEY: 'k' } });
    expect(server!.requests).toHaveLength(4);
  });

  it('a server that refuses response_format gets the schema in the system message (auto), and --schema-mode prompt sends it there from the start', async () => {
    const refuse = (req: { body: any }) =>
      req.body?.response_format ? { status: 400, message: "Invalid request: 'response_format' of type 'json_schema' is not supported" } : undefined;
    const structured = { invalid: 0.3, seed: 2 };
    const { dir, url } = await setUp(structured, refuse);
    const { input, prompts } = writeRows(dir, 40);
    const common = ['-p', 'llamacpp', '-m', 'local', '--base-url', `${url}/v1`, '-c', 'text', '--fields', FIELDS, '--no-cache', '-j', '1'];
    const out = path.join(dir, 'out.jsonl');
    const res = await runCli(['run', input, ...common, '-o', out]);
    expect(res.code).toBe(0);
    expect(res.stderr.split('\n').filter((l) => l.includes('refused'))).toEqual([
      `llmap: structured output refused (request rejected (400) by ${url}/v1: Invalid request: 'response_format' of type 'json_schema' is not supported); sending the schema in the system message instead (--schema-mode prompt)`,
    ]);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual(prompts.map((p, i) => ({ id: String(i + 1), text: p, ...conformingValue(SCHEMA, p) })));
    const bodies = server!.requests.map((r) => r.body);
    expect(bodies.filter((b) => b.response_format)).toHaveLength(1);
    const invalid = prompts.filter((p) => answersInvalid(p, structured)).length;
    expect(bodies).toHaveLength(1 + 40 + invalid);
    expect(bodies[1]).toEqual({
      model: 'local',
      messages: [
        { role: 'system', content: `Answer with only a JSON object, no other text, that matches this JSON Schema:\n${JSON.stringify(SCHEMA)}` },
        { role: 'user', content: prompts[0] },
      ],
    });

    server!.reset();
    const explicit = await runCli(['run', input, ...common, '--schema-mode', 'prompt', '-o', out, '-q']);
    expect(explicit.code).toBe(0);
    expect(server!.requests.filter((r) => r.body.response_format)).toHaveLength(0);
    expect(server!.requests).toHaveLength(40 + invalid);
  });

  it('the schema is part of the cache key: the same schema sends nothing again, a changed one sends again', async () => {
    const { dir, url } = await setUp();
    const { input } = writeRows(dir, 5);
    const common = ['run', input, ...vendors.openai(url), '-c', 'text', '--cache-dir', path.join(dir, 'c'), '-q'];
    expect((await runCli([...common, '--fields', 'label: enum(a, b)'])).code).toBe(0);
    expect((await runCli([...common, '--schema', '{"type": "object", "properties": {"label": {"enum": ["a", "b"], "type": "string"}}, "required": ["label"]}'])).code).toBe(0);
    expect(server!.requests).toHaveLength(5);
    expect((await runCli([...common, '--fields', 'label: enum(a, b, c)'])).code).toBe(0);
    expect(server!.requests).toHaveLength(10);
    expect((await runCli([...common])).code).toBe(0);
    expect(server!.requests).toHaveLength(15);
  });

  it('ask prints the validated answer as one JSON line and shares the cache entry with run; a profile can hold the fields', async () => {
    const { dir, url } = await setUp({ invalid: 1, seed: 5 });
    writeFileSync(path.join(dir, 'llmap.config.json'), JSON.stringify({
      profiles: { typed: { model: 'gpt-4o-mini', baseURL: `${url}/v1`, fields: 'label: enum(a, b); n: int', schemaRetries: 1 } },
      default: 'typed',
    }));
    const cache = ['--cache-dir', path.join(dir, 'c')];
    const asked = await runCli(['ask', 'hello there', ...cache, '--verbose'], { cwd: dir });
    expect(asked.code).toBe(0);
    const schema = { type: 'object', properties: { label: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer' } }, required: ['label', 'n'] };
    expect(asked.stdout).toBe(JSON.stringify(conformingValue(schema, 'hello there')) + '\n');
    expect(asked.stderr).toMatch(/^llmap: answer 1 invalid \(the (model refused|answer is not JSON|answer does not match the schema).*\); asking again\n$/);
    expect(server!.requests).toHaveLength(2);
    expect(server!.requests[0].body.response_format.json_schema.name).toBe('answer');

    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'text\nhello there\n');
    const ran = await runCli(['run', input, '-c', 'text', ...cache, '-q'], { cwd: dir });
    expect(ran.stdout).toBe(`text,label,n\nhello there,${conformingValue(schema, 'hello there').label},${conformingValue(schema, 'hello there').n}\n`);
    expect(server!.requests).toHaveLength(2);
  });

  it("--dry-run counts the schema's tokens with every request", async () => {
    const { dir, url } = await setUp();
    const { input } = writeRows(dir, 10);
    const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
    const perRequest = countTokens(JSON.stringify(STRICT));
    const plain = await runCli(['run', input, ...vendors.openai(url), '-c', 'text', '--no-cache', '--dry-run']);
    const typed = await runCli(['run', input, ...vendors.openai(url), '-c', 'text', '--no-cache', '--dry-run', '--schema', JSON.stringify(SCHEMA)]);
    const tokens = (out: string) => Number(/input tokens\s+([\d,]+)/.exec(out)![1].replace(/,/g, ''));
    expect(tokens(typed.stdout)).toBe(tokens(plain.stdout) + 10 * perRequest);
    expect(typed.stdout).toContain(`(gpt-tokenizer o200k_base; the schema adds ${perRequest} per request)`);
    expect(server!.requests).toHaveLength(0);
  });

  it('bad schemas and clashing properties fail before anything is sent, with one line', async () => {
    const { dir, url } = await setUp();
    const input = path.join(dir, 'in.csv');
    writeFileSync(input, 'id,text,score\n1,a,2\n');
    const run = (...extra: string[]) => runCli(['run', input, ...vendors.openai(url), '-c', 'text', '--no-cache', ...extra]);
    const cases: [string[], string][] = [
      [['--fields', 'label: text; score: number'], `llmap: column 'score' already exists in ${input}, and --fields adds a column of that name; rename the property or the input column\n`],
      [['--fields', 'label: nubmer'], "llmap: --fields: unknown type 'nubmer' for field 'label'; types are string, number, integer, boolean, enum(a, b), list[T], {field: T, ...} (at character 8)\n"],
      [['--fields', 'label: enum(a, b'], "llmap: --fields: expected ',' or ')' in enum(...) of field 'label' (at character 17)\n"],
      [['--schema', '{"type": "object", "properties": {"x": {"type": "strin"}}}'], 'llmap: --schema is not a valid JSON Schema: /properties/x/type must be equal to one of the allowed values\n'],
      [['--schema', '{"type": "array"}'], 'llmap: --schema must describe an object ("type": "object"), got "type": "array"\n'],
      [['--schema', '{"type": "object",}'], 'llmap: --schema is not valid JSON: trailing comma at line 1, column 19\n'],
      [['--schema', 'nope.json'], "llmap: cannot read --schema file 'nope.json': no such file (give a path, or the schema as inline JSON starting with '{')\n"],
      [['--fields', 'a: int', '--schema', '{}'], 'llmap: give only one of --schema and --fields\n'],
      [['--fields', 'a: int', '--output-column', 'x'], 'llmap: --output-column names the response column, which a run with --schema or --fields does not write (each property is a column)\n'],
      [['--fields', 'error: text', '--metadata'], "llmap: --fields has a property 'error', and --metadata adds a column of that name; rename the property\n"],
    ];
    for (const [extra, stderr] of cases) {
      const res = await run(...extra);
      expect({ extra, stderr: res.stderr, code: res.code }).toEqual({ extra, stderr, code: 1 });
    }
    expect(server!.requests).toHaveLength(0);
  });
});
