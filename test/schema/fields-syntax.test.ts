import { describe, expect, it } from 'vitest';
import { parseFields } from '../../src/schema/fields-syntax.js';

describe('--fields syntax', () => {
  it('turns the common case into a JSON Schema of an object, every field required', () => {
    expect(parseFields('sentiment: enum(positive, negative, neutral); score: number; topics: list[string]; is_spam: bool')).toEqual({
      type: 'object',
      properties: {
        sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
        score: { type: 'number' },
        topics: { type: 'array', items: { type: 'string' } },
        is_spam: { type: 'boolean' },
      },
      required: ['sentiment', 'score', 'topics', 'is_spam'],
    });
  });

  it('knows integers, nested objects, optional and nullable fields, descriptions, quoted names and enum values; a bare name is a string', () => {
    const schema = parseFields(`stars: int "1 to 5"
      author?: {name, age: integer?}, "first seen": str; tags: array[enum("a b", 'c')]; notes: text?`);
    expect(schema).toEqual({
      type: 'object',
      properties: {
        stars: { type: 'integer', description: '1 to 5' },
        author: { type: 'object', properties: { name: { type: 'string' }, age: { type: ['integer', 'null'] } }, required: ['name', 'age'] },
        'first seen': { type: 'string' },
        tags: { type: 'array', items: { type: 'string', enum: ['a b', 'c'] } },
        notes: { type: ['string', 'null'] },
      },
      required: ['stars', 'first seen', 'tags', 'notes'],
    });
    expect(parseFields('label: enum(yes, no)?').properties).toEqual({ label: { type: ['string', 'null'], enum: ['yes', 'no', null] } });
  });

  it.each([
    ['', '--fields: no fields given (at character 1)'],
    ['score: nubmer', "--fields: unknown type 'nubmer' for field 'score'; types are string, number, integer, boolean, enum(a, b), list[T], {field: T, ...} (at character 8)"],
    ['score:', "--fields: expected a type for field 'score' (string, number, integer, boolean, enum(a, b), list[T], {field: T, ...}) (at character 7)"],
    ['a: int; a: str', "--fields: field 'a' is given twice (at character 9)"],
    ['a: enum(x, x)', "--fields: enum value 'x' of field 'a' is given twice (at character 13)"],
    ['a: list[int', "--fields: expected ']' to close list[...] of field 'a' (at character 12)"],
    ['a: list int', "--fields: expected '[' after list in field 'a', as in list[string] (at character 9)"],
    ['a: {b: int', "--fields: expected '}' to close the object of field 'a' (at character 11)"],
    ['a: {}', '--fields: an object {...} needs at least one field (at character 5)'],
    ['a: int b: int', "--fields: expected ';' or ',' after field 'a', found 'b' (at character 8)"],
    ['a: int "unclosed', '--fields: unclosed quote (at character 8)'],
  ])('%j fails with one line: %s', (text, message) => {
    expect(() => parseFields(text)).toThrow(message);
  });
});
