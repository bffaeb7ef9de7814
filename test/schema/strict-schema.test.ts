import { describe, expect, it } from 'vitest';
import { strictForm } from '../../src/schema/strict-schema.js';

describe("OpenAI's strict form", () => {
  it('closes every object, requires every property, and makes optional ones nullable', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        label: { type: 'string', enum: ['a', 'b'] },
        note: { type: 'string' },
        tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        ref: { $ref: '#/$defs/thing' },
      },
      required: ['label', 'tags'],
      $defs: { thing: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
    };
    expect(strictForm(schema)).toEqual({
      strict: true,
      schema: {
        type: 'object',
        properties: {
          label: { type: 'string', enum: ['a', 'b'] },
          note: { type: ['string', 'null'] },
          tags: {
            type: 'array',
            items: { type: 'object', properties: { name: { type: ['string', 'null'] } }, required: ['name'], additionalProperties: false },
          },
          ref: { anyOf: [{ $ref: '#/$defs/thing' }, { type: 'null' }] },
        },
        required: ['label', 'note', 'tags', 'ref'],
        additionalProperties: false,
        $defs: { thing: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'], additionalProperties: false } },
      },
    });
  });

  it('an optional enum also lists null', () => {
    const { schema } = strictForm({ type: 'object', properties: { x: { type: 'string', enum: ['a'] } } });
    expect(schema.properties).toEqual({ x: { type: ['string', 'null'], enum: ['a', null] } });
  });

  it.each([
    ['a keyword strict mode does not know', { type: 'object', properties: { x: { type: 'string', minLength: 2 } } }],
    ['allOf', { type: 'object', properties: { x: { allOf: [{ type: 'string' }] } } }],
    ['a free-form object', { type: 'object', properties: { x: { type: 'object' } } }],
    ['additionalProperties allowed', { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: true }],
    ['anyOf at the root', { type: 'object', properties: { x: { type: 'string' } }, anyOf: [{ required: ['x'] }] }],
  ])('falls back to strict false, the schema as given, for %s', (_why, schema) => {
    expect(strictForm(schema)).toEqual({ strict: false, schema });
  });
});
