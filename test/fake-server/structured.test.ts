/** The fake server's typed answers, read with the real SDKs: the shapes the vendors send. */
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, expect, test } from 'vitest';
import { answersInvalid, conformingValue, startFakeServer, type FakeServer } from './server.js';

let server: FakeServer | undefined;
afterEach(() => server?.close());

const schema = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer', minimum: 1, maximum: 5 }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['label', 'n', 'tags'],
  additionalProperties: false,
};

/** The first prompt `p<i>` (i >= from) the fake answers invalidly (wanted true) or validly under `options`. */
function promptWhere(wanted: boolean, options: { invalid: number; seed?: number }, from = 0): string {
  for (let i = from; ; i++) if (answersInvalid(`p${i}`, options) === wanted) return `p${i}`;
}

test('OpenAI: response_format json_schema is answered as message.content JSON text that conforms; a refusal in message.refusal', async () => {
  const options = { invalid: 0.5, seed: 4 };
  server = await startFakeServer({ structured: options });
  const client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const ask = (prompt: string) =>
    client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: prompt }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
    });
  const good = promptWhere(false, options);
  const answer = await ask(good);
  expect(JSON.parse(answer.choices[0].message.content!)).toEqual(conformingValue(schema, good));
  expect(conformingValue(schema, good).n).toBeGreaterThanOrEqual(1);
  expect(answer.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', refusal: null } });

  const kinds = new Set<string>();
  for (let i = 0; kinds.size < 3 && i < 200; i++) {
    const bad = promptWhere(true, options, i);
    const { message } = (await ask(bad)).choices[0];
    if (message.refusal) {
      expect(message.content).toBeNull();
      kinds.add('refusal');
    } else {
      let parsed: any;
      try {
        parsed = JSON.parse(message.content!);
      } catch {
        kinds.add('json');
        continue;
      }
      expect(parsed).toEqual({ ...conformingValue(schema, bad), label: 'not-a-label' });
      kinds.add('schema');
    }
  }
  expect([...kinds].sort()).toEqual(['json', 'refusal', 'schema']);
});

test('Anthropic: a forced tool is answered with a tool_use block whose input conforms, stop_reason tool_use', async () => {
  server = await startFakeServer();
  const client = new Anthropic({ apiKey: 'k', baseURL: server.url, maxRetries: 0 });
  const message = await client.messages.create({
    model: 'm',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'hello' }],
    tools: [{ name: 'answer', input_schema: schema as Anthropic.Tool.InputSchema }],
    tool_choice: { type: 'tool', name: 'answer' },
  });
  expect(message.stop_reason).toBe('tool_use');
  expect(message.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_fake\d+$/), name: 'answer', input: conformingValue(schema, 'hello') }]);
});

test('a retry (a request with an assistant turn) is answered validly unless invalidRetries', async () => {
  const options = { invalid: 1 };
  server = await startFakeServer({ structured: options });
  const client = new OpenAI({ apiKey: 'k', baseURL: `${server.url}/v1`, maxRetries: 0 });
  const retry = await client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: '{' }, { role: 'user', content: 'Your answer was not valid' }],
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
  });
  expect(JSON.parse(retry.choices[0].message.content!)).toEqual(conformingValue(schema, 'x'));
});
