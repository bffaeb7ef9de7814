/**
 * Every typed answer is checked before it counts: parsed as JSON and validated against the schema
 * the model was sent (compiled once per run). A failed check says what is wrong in one line, which
 * is quoted back to the model on a retry and ends up in the row's `error`.
 */
import { findJsonSyntaxError } from '../config/json-syntax-error.js';
import type { ChatResult } from '../providers/provider.js';
import { compileSchema, firstError } from './ajv.js';
import { isObject, type JsonSchema } from './json-schema.js';
import { resolveRef } from './value-types.js';

/** A checked answer: its value, or why it is not one. */
export type Checked = { value: Record<string, unknown> } | { error: string };

/** The check of one run's answers. */
export type AnswerCheck = (result: Pick<ChatResult, 'text' | 'finishReason' | 'refusal'>) => Checked;

/**
 * Compiles the user's `schema` and returns the check. OpenAI's strict form sends an optional
 * property as required-but-nullable, so a null in a property the user's schema leaves optional
 * means "absent" and is dropped before validating: one check serves every way of sending it.
 */
export function answerCheck(schema: JsonSchema): AnswerCheck {
  const validate = compileSchema(schema);
  return (result) => {
    if (result.refusal) return { error: `the model refused: ${oneLine(result.refusal)}` };
    const text = unfence(result.text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (result.finishReason === 'length' || result.finishReason === 'max_tokens') {
        return { error: 'the answer is not complete JSON: it was cut off at the output token limit (raise --max-tokens)' };
      }
      const at = findJsonSyntaxError(text);
      return { error: `the answer is not JSON${at ? `: ${at.reason} at line ${at.line}, column ${at.column}` : ''}` };
    }
    dropOptionalNulls(value, schema, schema, 0);
    if (!validate(value)) return { error: `the answer does not match the schema: ${firstError(validate.errors)}` };
    return { value: value as Record<string, unknown> };
  };
}

/** Removes (in place) null members that the schema does not require, in nested objects and lists too. */
function dropOptionalNulls(value: unknown, node: unknown, root: JsonSchema, depth: number): void {
  const schema = resolveRef(node, root);
  if (!isObject(schema) || depth > 32) return;
  if (Array.isArray(value)) {
    for (const item of value) dropOptionalNulls(item, schema.items, root, depth + 1);
  } else if (isObject(value) && isObject(schema.properties)) {
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const key of Object.keys(value)) {
      if (!(key in schema.properties)) continue;
      if (value[key] === null && !required.includes(key)) delete value[key];
      else dropOptionalNulls(value[key], schema.properties[key], root, depth + 1);
    }
  }
}

/** The JSON inside a Markdown code fence, as models told to answer JSON often wrap it; else the text. */
function unfence(text: string): string {
  const match = /^\s*```[a-zA-Z]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return match ? match[1] : text;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? line.slice(0, 197) + '...' : line;
}
