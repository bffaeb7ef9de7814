/**
 * OpenAI's strict structured outputs accept a subset of JSON Schema: every object lists all its
 * properties in `required` and says `additionalProperties: false`, and only some keywords are
 * known (platform.openai.com/docs/guides/structured-outputs, "Supported schemas"). This rewrites a
 * schema into that form (an optional property becomes required but nullable) or, when it uses
 * something strict mode does not support, says so, and the schema is sent as is with strict false.
 */
import { isObject, typesOf, type JsonSchema } from './json-schema.js';

/** Keywords strict mode accepts. */
const STRICT_KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'anyOf', '$ref', '$defs',
  'definitions', 'description', 'title', 'pattern', 'format', 'multipleOf', 'maximum', 'exclusiveMaximum',
  'minimum', 'exclusiveMinimum', 'minItems', 'maxItems',
]);

/** The schema to send and whether strict mode can take it. */
export interface StrictForm {
  schema: JsonSchema;
  strict: boolean;
}

/** The strict form of `schema`, or the schema itself with strict false when it has no strict form. */
export function strictForm(schema: JsonSchema): StrictForm {
  const { $schema: _dialect, $id: _id, ...root } = schema;
  const rewritten = rewrite(root, true);
  return rewritten === undefined ? { schema, strict: false } : { schema: rewritten, strict: true };
}

/** The strict forms of a map of named schemas (properties, $defs); undefined when one has none. */
function rewriteEach(value: unknown): Record<string, JsonSchema> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, JsonSchema> = {};
  for (const [name, sub] of Object.entries(value)) {
    const strict = rewrite(sub);
    if (strict === undefined) return undefined;
    out[name] = strict;
  }
  return out;
}

/** The strict form of one node; undefined when it has none. */
function rewrite(node: unknown, isRoot = false): JsonSchema | undefined {
  if (!isObject(node)) return undefined;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!STRICT_KEYWORDS.has(key)) return undefined;
    switch (key) {
      case 'properties': {
        const props = rewriteEach(value);
        if (props === undefined) return undefined;
        out.properties = props;
        break;
      }
      case 'items': {
        const strict = rewrite(value);
        if (strict === undefined) return undefined;
        out.items = strict;
        break;
      }
      case 'anyOf': {
        if (!Array.isArray(value) || isRoot) return undefined;
        const branches = value.map((b) => rewrite(b));
        if (branches.some((b) => b === undefined)) return undefined;
        out.anyOf = branches;
        break;
      }
      case '$defs':
      case 'definitions': {
        const defs = rewriteEach(value);
        if (defs === undefined) return undefined;
        out[key] = defs;
        break;
      }
      case 'additionalProperties':
        if (value !== false) return undefined;
        break;
      case 'required':
        break;
      default:
        out[key] = value;
    }
  }
  if (typesOf(node).includes('object') || out.properties !== undefined) {
    // A free-form object (no properties) cannot be strict: its keys are unknown.
    if (out.properties === undefined) return undefined;
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    const props = out.properties as Record<string, JsonSchema>;
    for (const name of Object.keys(props)) if (!required.has(name)) props[name] = orNull(props[name]);
    out.required = Object.keys(props);
    out.additionalProperties = false;
  }
  return out;
}

/** A schema that also allows null: a type union where there is a type, else anyOf with null. */
function orNull(schema: JsonSchema): JsonSchema {
  const types = typesOf(schema);
  if (types.includes('null')) return schema;
  if (types.length > 0) {
    const out: JsonSchema = { ...schema, type: [...types, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
    return out;
  }
  return { anyOf: [schema, { type: 'null' }] };
}
