/**
 * The output column types of a schema's top-level properties: each property's JSON Schema mapped to
 * the one `ValueType` its values all have, or `json` when they have no single type.
 */
import type { ValueType } from '../io/table.js';
import { isObject, typesOf, type JsonSchema } from './json-schema.js';

/** One column per top-level property, in the schema's order. */
export function propertyColumns(root: JsonSchema): { name: string; type: ValueType }[] {
  const properties = isObject(root.properties) ? root.properties : {};
  return Object.entries(properties).map(([name, schema]) => ({ name, type: valueType(schema, root, 0) }));
}

function valueType(node: unknown, root: JsonSchema, depth: number): ValueType {
  const schema = resolveRef(node, root);
  if (!isObject(schema) || depth > 32) return { kind: 'json' };
  // `X or null` (an optional field in OpenAI's strict form) is X: every column is nullable.
  for (const union of ['anyOf', 'oneOf'] as const) {
    const branches = schema[union];
    if (!Array.isArray(branches)) continue;
    const nonNull = branches.filter((b) => !isNullOnly(resolveRef(b, root)));
    return nonNull.length === 1 ? valueType(nonNull[0], root, depth + 1) : { kind: 'json' };
  }
  const types = typesOf(schema).filter((t) => t !== 'null');
  const values = Array.isArray(schema.enum) ? schema.enum.filter((v) => v !== null) : schema.const !== undefined ? [schema.const] : undefined;
  if (values !== undefined) {
    return values.every((v) => typeof v === 'string') && types.every((t) => t === 'string')
      ? { kind: 'enum', values: values as string[] }
      : { kind: 'json' };
  }
  if (types.length !== 1) return types.length === 2 && types.includes('integer') && types.includes('number') ? { kind: 'float' } : { kind: 'json' };
  switch (types[0]) {
    case 'string':
      return { kind: 'string' };
    case 'number':
      return { kind: 'float' };
    case 'integer':
      return { kind: 'int' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return { kind: 'list', items: schema.items === undefined ? { kind: 'json' } : valueType(schema.items, root, depth + 1) };
    case 'object': {
      const properties = isObject(schema.properties) ? Object.entries(schema.properties) : [];
      if (properties.length === 0) return { kind: 'json' };
      return { kind: 'struct', fields: properties.map(([name, s]) => ({ name, type: valueType(s, root, depth + 1) })) };
    }
    default:
      return { kind: 'json' };
  }
}

function isNullOnly(schema: unknown): boolean {
  return isObject(schema) && typesOf(schema).length === 1 && typesOf(schema)[0] === 'null';
}

/** A local `$ref` (`#/$defs/X`, `#/definitions/X`) followed; anything else as is. */
export function resolveRef(node: unknown, root: JsonSchema): unknown {
  let current = node;
  for (let hops = 0; hops < 16 && isObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref;
    if (!ref.startsWith('#')) return current;
    let target: unknown = root;
    for (const part of ref.slice(1).split('/').filter((p) => p !== '')) {
      const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? target[key] : undefined;
    }
    current = target;
  }
  return current;
}
