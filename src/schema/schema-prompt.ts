/**
 * The prompt fallback for servers without structured output: the schema goes into the system
 * message, and the answer is parsed from the text (answer-check.ts also unwraps a ```json fence).
 */
import type { JsonSchema } from './json-schema.js';

/** The line that introduces the schema in the system message. */
export const SCHEMA_PROMPT_LEAD = 'Answer with only a JSON object, no other text, that matches this JSON Schema:';

/** The system message of a prompt-mode request: the user's system message, then the schema. */
export function schemaSystemMessage(system: string | undefined, schema: JsonSchema): string {
  const instruction = `${SCHEMA_PROMPT_LEAD}\n${JSON.stringify(schema)}`;
  return system === undefined ? instruction : `${system}\n\n${instruction}`;
}
