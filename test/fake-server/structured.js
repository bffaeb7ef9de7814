/**
 * Typed answers: a chat request asking for a JSON Schema (OpenAI `response_format` json_schema,
 * Anthropic a forced tool, or the schema in the system message as llmap's prompt fallback sends it)
 * is answered with a value that conforms, derived from the row's prompt so tests can predict it
 * (`conformingValue`), or, for a seeded share of first answers, one that does not.
 */
import { chatCompletion } from './openai.js';
import { message } from './anthropic.js';
import { contentText } from './text.js';

export { conformingValue };

/** Whether a first request for `prompt` gets an invalid answer under `options`. */
export function answersInvalid(prompt, options) {
  return isInvalid(prompt, options);
}

let toolUses = 0;

/** The line llmap's prompt fallback puts before the schema in the system message. */
const PROMPT_LEAD = 'that matches this JSON Schema:\n';

/**
 * The response to a typed request, or undefined when the request asks for no schema.
 * `options`: `{invalid, seed, invalidRetries}` (see server.d.ts `StructuredOptions`).
 */
export function structuredResponse(path, body, options = {}) {
  const ask = schemaAsked(path, body);
  if (ask === undefined) return undefined;
  const text = firstUserText(body);
  const value = conformingValue(ask.schema, text);
  const isRetry = Array.isArray(body.messages) && body.messages.some((m) => m?.role === 'assistant');
  const invalid = (!isRetry || options.invalidRetries === true) && isInvalid(text, options);
  const kind = invalid ? invalidKind(text, ask.vendor) : undefined;
  if (ask.vendor === 'anthropic') {
    const input = kind ? corrupt(value, ask.schema) : value;
    const reply = message(body, JSON.stringify(input), 'tool_use');
    reply.content = [{ type: 'tool_use', id: `toolu_fake${++toolUses}`, name: ask.name, input }];
    return reply;
  }
  let answer = JSON.stringify(kind === 'schema' ? corrupt(value, ask.schema) : value);
  if (kind === 'json') answer = answer.slice(0, Math.max(1, Math.floor(answer.length / 2)));
  // A model told in the prompt to answer JSON often wraps it in a Markdown fence.
  if (ask.prompt && hash(text, 'fence') % 2 === 0) answer = '```json\n' + answer + '\n```';
  if (path.endsWith('/messages')) return message(body, answer, 'end_turn');
  const reply = chatCompletion(body, kind === 'refusal' ? '' : answer, 'stop');
  if (kind === 'refusal') {
    reply.choices[0].message.content = null;
    reply.choices[0].message.refusal = "I'm sorry, I can't help with that request.";
  }
  return reply;
}

/** Which schema the request asks for and how; undefined for a plain request. */
function schemaAsked(path, body) {
  if (typeof body !== 'object' || body === null || body.stream === true) return undefined;
  if (path.endsWith('/chat/completions') && body.response_format?.type === 'json_schema') {
    return { vendor: 'openai', schema: body.response_format.json_schema?.schema ?? {}, name: body.response_format.json_schema?.name };
  }
  if (path.endsWith('/messages') && body.tool_choice?.type === 'tool') {
    const tool = (body.tools ?? []).find((t) => t.name === body.tool_choice.name);
    if (tool) return { vendor: 'anthropic', schema: tool.input_schema, name: tool.name };
  }
  const system = path.endsWith('/messages')
    ? contentText(body.system)
    : contentText((body.messages ?? []).find((m) => m?.role === 'system')?.content);
  const at = system.indexOf(PROMPT_LEAD);
  if (at >= 0) {
    try {
      const schema = JSON.parse(system.slice(at + PROMPT_LEAD.length));
      return { vendor: 'text', schema, prompt: true };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The row's prompt: the first user message (a retry adds the error as a later one). */
function firstUserText(body) {
  const first = (body.messages ?? []).find((m) => m?.role === 'user');
  return first ? contentText(first.content) : '';
}

function isInvalid(text, options) {
  const share = options.invalid ?? 0;
  return share > 0 && (hash(text, `invalid:${options.seed ?? 0}`) % 1_000_000) / 1_000_000 < share;
}

/** How a first answer is wrong: OpenAI bad JSON, a schema violation or a refusal; Anthropic a violation. */
function invalidKind(text, vendor) {
  if (vendor === 'anthropic') return 'schema';
  if (vendor === 'text') return ['json', 'schema'][hash(text, 'kind') % 2];
  return ['json', 'schema', 'refusal'][hash(text, 'kind') % 3];
}

/** The value with its first required property of the wrong type (an enum: a label not listed). */
function corrupt(value, schema) {
  const out = { ...value };
  const required = Array.isArray(schema.required) && schema.required.length > 0 ? schema.required : Object.keys(schema.properties ?? {});
  const key = required[0];
  const prop = resolve(schema.properties?.[key], schema) ?? {};
  out[key] = Array.isArray(prop.enum) ? 'not-a-label' : types(prop).includes('string') ? 12345 : 'not-a-value';
  return out;
}

/**
 * A value that conforms to `schema`, the same for the same text: strings `<property>-<n>`, numbers
 * with two decimals in [0, 100) (or within minimum/maximum), integers in [0, 1000), lists of 1 to 3
 * items, every property present (a nullable one with its non-null value).
 */
function conformingValue(schema, text, root = schema, path = '') {
  const node = resolve(schema, root) ?? {};
  const h = hash(text, path);
  if (Array.isArray(node.anyOf)) {
    const branch = node.anyOf.find((b) => !types(resolve(b, root) ?? {}).every((t) => t === 'null')) ?? node.anyOf[0];
    return conformingValue(branch, text, root, path);
  }
  if (node.const !== undefined) return node.const;
  if (Array.isArray(node.enum)) {
    const values = node.enum.filter((v) => v !== null);
    return values[h % values.length];
  }
  const type = types(node).find((t) => t !== 'null') ?? (node.properties ? 'object' : 'string');
  const name = path.split('/').filter((p) => p !== '' && !/^\d+$/.test(p)).pop() ?? 'value';
  switch (type) {
    case 'string':
      return `${name}-${h % 1000}`;
    case 'number': {
      const min = node.minimum ?? 0;
      const max = node.maximum ?? 100;
      return Math.round((min + ((h % 10000) / 10000) * (max - min)) * 100) / 100;
    }
    case 'integer': {
      const min = node.minimum ?? 0;
      const max = node.maximum ?? 999;
      return min + (h % (max - min + 1));
    }
    case 'boolean':
      return h % 2 === 0;
    case 'array': {
      const n = Math.min(node.maxItems ?? 3, Math.max(node.minItems ?? 1, 1 + (h % 3)));
      return Array.from({ length: n }, (_, i) => conformingValue(node.items ?? {}, text, root, `${path}/${i}`));
    }
    case 'object': {
      const out = {};
      for (const [key, sub] of Object.entries(node.properties ?? {})) out[key] = conformingValue(sub, text, root, `${path}/${key}`);
      return out;
    }
    default:
      return null;
  }
}

function types(node) {
  return typeof node.type === 'string' ? [node.type] : Array.isArray(node.type) ? node.type : [];
}

/** A local `$ref` followed. */
function resolve(node, root) {
  let current = node;
  for (let i = 0; i < 16 && current && typeof current.$ref === 'string' && current.$ref.startsWith('#'); i++) {
    current = current.$ref.slice(1).split('/').filter((p) => p !== '').reduce((at, key) => at?.[key], root);
  }
  return current;
}

/** FNV-1a of the text and a salt, as an unsigned 32-bit number. */
function hash(text, salt) {
  let h = 2166136261;
  const s = `${salt}\u0000${text}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
