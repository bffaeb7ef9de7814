/**
 * The JSON Schema validator: Ajv (the most used one for JavaScript), with the standard formats
 * (ajv-formats). Draft 2020-12 when the schema says so, else draft-07, which also resolves `$defs`.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { JsonSchema } from './json-schema.js';

// Ajv and ajv-formats are CommonJS with `exports.default`; require() gives the classes directly.
const require = createRequire(import.meta.url);

type AjvConstructor = new (options: Options) => { compile(schema: object): ValidateFunction };

/** Compiles `schema` once; throws Ajv's error when the schema itself is invalid. */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  const Ajv: AjvConstructor = dialect.includes('2020-12') ? require('ajv/dist/2020').default : require('ajv').default;
  // strict: false: keywords Ajv does not know (OpenAI's, vendors' extensions) are allowed and ignored.
  const ajv = new Ajv({ strict: false, allErrors: false });
  require('ajv-formats').default(ajv);
  return ajv.compile(schema);
}

/** Ajv's first error as one line: `/score must be number`, `must have required property 'topics'`. */
export function firstError(errors: ErrorObject[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) return 'does not match the schema';
  const where = error.instancePath === '' ? '' : `${error.instancePath} `;
  const allowed = error.keyword === 'enum' ? `: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
  const extra = error.keyword === 'additionalProperties' ? ` ('${(error.params as { additionalProperty: string }).additionalProperty}')` : '';
  return `${where}${error.message ?? 'is invalid'}${allowed}${extra}`;
}
