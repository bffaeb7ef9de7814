/**
 * The typed-answer settings of `run` and `ask`: the schema (--schema or --fields), how it is sent
 * (--schema-mode) and how often an invalid answer is asked for again (--schema-retries).
 */
import { resolveAnswerSchema, type AnswerSchema } from '../schema/answer-schema.js';
import { parseChoice, parseWholeNumber } from './parse-values.js';

/** How the schema reaches the model. */
export const SCHEMA_MODES = ['auto', 'native', 'prompt'] as const;
export type SchemaMode = (typeof SCHEMA_MODES)[number];

/** The options as commander (or a profile) hands them over. */
export interface RawTypedOptions {
  /** --schema: a JSON Schema file, or inline JSON. */
  schema?: string;
  /** --fields: the concise field syntax. */
  fields?: string;
  schemaMode?: string;
  schemaRetries?: string;
}

/** Validated typed-answer settings; `answerSchema` undefined = text answers. */
export interface TypedConfig {
  answerSchema?: AnswerSchema;
  /**
   * auto (default): the provider's structured output; an OpenAI-compatible server (a custom base
   * URL) that refuses response_format with a 400 gets the schema in the system message instead.
   * native: always the provider's feature. prompt: always the system message.
   */
  schemaMode: SchemaMode;
  /** Retries of an invalid answer after the first. */
  schemaRetries: number;
}

const DEFAULT_SCHEMA_RETRIES = 2;

/** Checks the typed-answer options; throws UsageError naming the flag. */
export function resolveTypedConfig(raw: RawTypedOptions): TypedConfig {
  const answerSchema = resolveAnswerSchema(raw);
  const schemaMode = parseChoice('--schema-mode', raw.schemaMode ?? 'auto', SCHEMA_MODES);
  const schemaRetries = raw.schemaRetries === undefined ? DEFAULT_SCHEMA_RETRIES : parseWholeNumber('--schema-retries', raw.schemaRetries, 0, 20);
  return { ...(answerSchema !== undefined && { answerSchema }), schemaMode, schemaRetries };
}
