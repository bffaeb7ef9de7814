/**
 * The schema of a typed run (`--schema` file or inline JSON, or `--fields`), checked when the
 * options are: a JSON Schema of an object with properties, which Ajv can compile.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { ValueType } from '../io/table.js';
import { findJsonSyntaxError } from '../config/json-syntax-error.js';
import { compileSchema } from './ajv.js';
import { parseFields } from './fields-syntax.js';
import { isObject, typesOf, type JsonSchema } from './json-schema.js';
import { propertyColumns } from './value-types.js';

/** A run's answer schema. */
export interface AnswerSchema {
  /** The JSON Schema (from --fields: the schema the fields stand for). */
  schema: JsonSchema;
  /** Its name as providers are sent it (OpenAI json_schema.name, Anthropic tool name). */
  name: string;
  /** Where it came from, for messages: '--fields' or '--schema'. */
  from: '--fields' | '--schema';
  /** One output column per top-level property, in order. */
  columns: { name: string; type: ValueType }[];
}

/** The schema the options give, or undefined without --schema/--fields. */
export function resolveAnswerSchema(raw: { schema?: string; fields?: string }): AnswerSchema | undefined {
  if (raw.schema !== undefined && raw.fields !== undefined) throw new UsageError('give only one of --schema and --fields');
  if (raw.fields !== undefined) return fromSchema(parseFields(raw.fields), '--fields');
  if (raw.schema === undefined) return undefined;
  const inline = raw.schema.trimStart().startsWith('{');
  const where = inline ? '--schema' : `--schema file ${raw.schema}`;
  const text = inline ? raw.schema : readSchemaFile(raw.schema);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const at = findJsonSyntaxError(text);
    throw new UsageError(`${where} is not valid JSON${at ? `: ${at.reason} at line ${at.line}, column ${at.column}` : ''}`);
  }
  return fromSchema(parsed, where);
}

function readSchemaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? 'unreadable';
    throw new UsageError(`cannot read --schema file '${path}': ${why} (give a path, or the schema as inline JSON starting with '{')`);
  }
}

function fromSchema(schema: unknown, where: string): AnswerSchema {
  if (!isObject(schema)) throw new UsageError(`${where} must be a JSON Schema object, got ${Array.isArray(schema) ? 'a list' : JSON.stringify(schema)}`);
  const types = typesOf(schema);
  if (types.length > 0 && (types.length !== 1 || types[0] !== 'object')) {
    throw new UsageError(`${where} must describe an object ("type": "object"), got "type": ${JSON.stringify(schema.type)}`);
  }
  if (!isObject(schema.properties) || Object.keys(schema.properties).length === 0) {
    throw new UsageError(`${where} needs "properties": each one becomes an output column`);
  }
  try {
    compileSchema(schema);
  } catch (err) {
    // Ajv lists every failed alternative ("data/x/type must be ..., data/x/type must be array, ..."): the first says it.
    const first = (err as Error).message.split('\n')[0].replace(/^schema is invalid: /, '').split(', data')[0].replace(/^data\//, '/');
    throw new UsageError(`${where} is not a valid JSON Schema: ${first}`);
  }
  const full = types.length === 0 ? { type: 'object', ...schema } : schema;
  return { schema: full, name: schemaName(full), from: where === '--fields' ? '--fields' : '--schema', columns: propertyColumns(full) };
}

/** The schema's title made into a name OpenAI accepts (`^[a-zA-Z0-9_-]{1,64}$`), else 'answer'. */
function schemaName(schema: JsonSchema): string {
  const title = typeof schema.title === 'string' ? schema.title.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64) : '';
  return /[a-zA-Z0-9]/.test(title) ? title : 'answer';
}
