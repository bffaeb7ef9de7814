import { describe, expect, it } from 'vitest';
import { answerCheck } from '../../src/schema/answer-check.js';
import { propertyColumns } from '../../src/schema/value-types.js';

const schema = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer' }, note: { type: 'string' }, when: { type: 'string', format: 'date' } },
  required: ['label', 'n'],
};
const check = answerCheck(schema);
const answer = (text: string, extra: { finishReason?: string; refusal?: string } = {}) => check({ text, finishReason: extra.finishReason ?? 'stop', refusal: extra.refusal });

describe('answer check', () => {
  it('passes a valid answer, dropping nulls of optional properties (the strict form sends them)', () => {
    expect(answer('{"label": "a", "n": 3, "note": null}')).toEqual({ value: { label: 'a', n: 3 } });
    expect(answer('```json\n{"label": "b", "n": 0}\n```')).toEqual({ value: { label: 'b', n: 0 } });
  });

  it.each([
    ['{"label": "c", "n": 3}', 'the answer does not match the schema: /label must be equal to one of the allowed values: "a", "b"'],
    ['{"label": "a", "n": 3.5}', 'the answer does not match the schema: /n must be integer'],
    ['{"label": "a"}', "the answer does not match the schema: must have required property 'n'"],
    ['{"label": "a", "n": null}', 'the answer does not match the schema: /n must be integer'],
    ['{"label": "a", "n": 1, "when": "yesterday"}', 'the answer does not match the schema: /when must match format "date"'],
    ['{"label": "a", "n"', 'the answer is not JSON: unexpected end of file at line 1, column 19'],
    ['Sure! Here it is', "the answer is not JSON: unexpected 'S' at line 1, column 1"],
  ])('%s: %s', (text, error) => {
    expect(answer(text)).toEqual({ error });
  });

  it('names a refusal and a cut-off answer', () => {
    expect(answer('', { refusal: "I can't\n help." })).toEqual({ error: "the model refused: I can't help." });
    expect(answer('{"label": "a", "n', { finishReason: 'length' })).toEqual({
      error: 'the answer is not complete JSON: it was cut off at the output token limit (raise --max-tokens)',
    });
  });
});

describe('column types of a schema', () => {
  it('maps each top-level property to one value type', () => {
    const columns = propertyColumns({
      type: 'object',
      properties: {
        s: { type: 'string' },
        e: { enum: ['x', 'y', null] },
        f: { type: ['number', 'null'] },
        i: { type: 'integer' },
        b: { type: 'boolean' },
        l: { type: 'array', items: { type: 'integer' } },
        o: { type: 'object', properties: { a: { $ref: '#/$defs/name' } } },
        free: { type: 'object' },
        mixed: { type: ['string', 'integer'] },
        opt: { anyOf: [{ type: 'boolean' }, { type: 'null' }] },
      },
      $defs: { name: { type: 'string' } },
    });
    expect(columns).toEqual([
      { name: 's', type: { kind: 'string' } },
      { name: 'e', type: { kind: 'enum', values: ['x', 'y'] } },
      { name: 'f', type: { kind: 'float' } },
      { name: 'i', type: { kind: 'int' } },
      { name: 'b', type: { kind: 'boolean' } },
      { name: 'l', type: { kind: 'list', items: { kind: 'int' } } },
      { name: 'o', type: { kind: 'struct', fields: [{ name: 'a', type: { kind: 'string' } }] } },
      { name: 'free', type: { kind: 'json' } },
      { name: 'mixed', type: { kind: 'json' } },
      { name: 'opt', type: { kind: 'boolean' } },
    ]);
  });
});
