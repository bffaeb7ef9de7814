/**
 * The concise field syntax of `--fields` (and a profile's "fields"), turned into a JSON Schema:
 *
 *   sentiment: enum(positive, negative, neutral); score: number "0 = negative, 1 = positive";
 *   topics: list[string]; is_spam: bool; author?: {name: string, age: int?}
 *
 * Fields are separated by `;`, `,` or new lines. `name: type`, the type defaulting to string;
 * `name?` makes the field optional (it may be left out), `type?` nullable (it may be null); a quoted
 * text after the type is its description. Types: string (str, text), number (float), integer (int),
 * boolean (bool), enum(a, b, "c d"), list[T] (array[T]), and {fields} for a nested object.
 */
import { UsageError } from '../errors.js';
import type { JsonSchema } from './json-schema.js';

const SCALARS: Record<string, string> = {
  string: 'string', str: 'string', text: 'string',
  number: 'number', float: 'number',
  integer: 'integer', int: 'integer',
  boolean: 'boolean', bool: 'boolean',
};

const TYPE_LIST = 'string, number, integer, boolean, enum(a, b), list[T], {field: T, ...}';

/** Parses field syntax into a JSON Schema of an object; throws UsageError naming what is wrong. */
export function parseFields(text: string, where = '--fields'): JsonSchema {
  const parser = new FieldParser(text, where);
  const schema = parser.object(undefined);
  parser.end();
  return schema;
}

class FieldParser {
  private pos = 0;
  constructor(private readonly text: string, private readonly where: string) {}

  /** Fields up to `close` (or the end); returns their object schema. */
  object(close: '}' | undefined): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (;;) {
      this.skip(true);
      if (this.atEnd() || this.peek() === close) break;
      const at = this.pos;
      const name = this.name();
      if (name in properties) this.fail(`field '${name}' is given twice`, at);
      const optional = this.eat('?');
      this.skip(false);
      let schema: JsonSchema = { type: 'string' };
      if (this.eat(':')) schema = this.type(name);
      this.skip(false);
      if (this.peek() === '"' || this.peek() === "'") schema = { ...schema, description: this.quoted() };
      properties[name] = schema;
      if (!optional) required.push(name);
      this.skip(false);
      if (this.atEnd() || this.peek() === close) break;
      if (!this.eat(';') && !this.eat(',') && !this.eat('\n')) {
        this.fail(`expected ';' or ',' after field '${name}', found '${this.peek()}'`);
      }
    }
    if (Object.keys(properties).length === 0) this.fail(close ? 'an object {...} needs at least one field' : 'no fields given');
    return { type: 'object', properties, required };
  }

  /** Fails unless the whole text was read. */
  end(): void {
    this.skip(true);
    if (!this.atEnd()) this.fail(`unexpected '${this.peek()}'`);
  }

  private type(field: string): JsonSchema {
    this.skip(false);
    const at = this.pos;
    let schema: JsonSchema;
    if (this.eat('{')) {
      schema = this.object('}');
      this.skip(true);
      if (!this.eat('}')) this.fail(`expected '}' to close the object of field '${field}'`);
    } else {
      const word = this.word();
      if (word === '') this.fail(`expected a type for field '${field}' (${TYPE_LIST})`);
      const lower = word.toLowerCase();
      if (SCALARS[lower]) schema = { type: SCALARS[lower] };
      else if (lower === 'enum') schema = this.enumValues(field);
      else if (lower === 'list' || lower === 'array') {
        this.skip(false);
        if (!this.eat('[')) this.fail(`expected '[' after ${word} in field '${field}', as in list[string]`);
        const items = this.type(field);
        this.skip(false);
        if (!this.eat(']')) this.fail(`expected ']' to close ${word}[...] of field '${field}'`);
        schema = { type: 'array', items };
      } else this.fail(`unknown type '${word}' for field '${field}'; types are ${TYPE_LIST}`, at);
    }
    this.skip(false);
    if (this.eat('?')) schema = nullable(schema);
    return schema;
  }

  private enumValues(field: string): JsonSchema {
    this.skip(false);
    if (!this.eat('(')) this.fail(`expected '(' after enum in field '${field}', as in enum(yes, no)`);
    const values: string[] = [];
    for (;;) {
      this.skip(true);
      const value = this.peek() === '"' || this.peek() === "'" ? this.quoted() : this.bare();
      if (value === '') this.fail(`expected a value in enum(...) of field '${field}'`);
      if (values.includes(value)) this.fail(`enum value '${value}' of field '${field}' is given twice`);
      values.push(value);
      this.skip(true);
      if (this.eat(')')) break;
      if (!this.eat(',')) this.fail(`expected ',' or ')' in enum(...) of field '${field}'`);
    }
    return { type: 'string', enum: values };
  }

  private name(): string {
    if (this.peek() === '"' || this.peek() === "'") return this.quoted();
    const word = this.word();
    if (word === '') this.fail(`expected a field name, found '${this.peek()}'`);
    return word;
  }

  private word(): string {
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.pos));
    if (!match) return '';
    this.pos += match[0].length;
    return match[0];
  }

  /** An unquoted enum value: up to the next ',' or ')'. */
  private bare(): string {
    const match = /^[^,()"'\n;]*/.exec(this.text.slice(this.pos))!;
    this.pos += match[0].length;
    return match[0].trim();
  }

  private quoted(): string {
    const quote = this.text[this.pos];
    const start = this.pos;
    let out = '';
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (c === '\\' && this.pos + 1 < this.text.length) out += this.text[++this.pos];
      else if (c === quote) {
        this.pos++;
        return out;
      } else out += c;
    }
    return this.fail(`unclosed quote`, start);
  }

  /** Skips blanks; new lines too when `newlines` (where a new line is not a separator). */
  private skip(newlines: boolean): void {
    while (this.pos < this.text.length && (newlines ? /\s/ : /[^\S\n]/).test(this.text[this.pos])) this.pos++;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private eat(c: string): boolean {
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  private fail(why: string, at = this.pos): never {
    throw new UsageError(`${this.where}: ${why} (at character ${at + 1})`);
  }
}

/** The schema, or null. */
function nullable(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.enum)) return { ...schema, type: [schema.type, 'null'], enum: [...schema.enum, null] };
  return { ...schema, type: [schema.type as string, 'null'] };
}
