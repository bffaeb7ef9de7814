/**
 * A provider asked for typed answers: each request carries the schema the provider's native way
 * (OpenAI's strict form when the schema has one), or, in prompt mode, in the system message. In
 * auto mode an OpenAI-compatible server (a custom base URL) that refuses `response_format` with a
 * 400 switches the run to prompt mode once, and the refused request is sent again that way.
 */
import { ProviderError } from '../errors.js';
import type { SchemaMode } from '../config/typed-config.js';
import type { AnswerSchema } from '../schema/answer-schema.js';
import { schemaSystemMessage } from '../schema/schema-prompt.js';
import { strictForm } from '../schema/strict-schema.js';
import type { ChatRequest, Provider, StructuredOutput } from './provider.js';

/** How a typed provider sends the schema. */
export interface TypedProviderOptions {
  answerSchema: AnswerSchema;
  mode: SchemaMode;
  /** Whether the endpoint is an OpenAI-compatible server rather than OpenAI or Anthropic themselves. */
  compatible: boolean;
  /** Told once when auto mode falls back to the prompt, with the server's reason. */
  onFallback?: (reason: string) => void;
}

/** The `structured` part a provider kind is sent; undefined for echo (it answers the prompt itself). */
export function nativeStructured(kind: Provider['id'], answerSchema: AnswerSchema): StructuredOutput | undefined {
  if (kind === 'echo') return undefined;
  if (kind === 'anthropic') return { name: answerSchema.name, schema: answerSchema.schema, strict: false };
  return { name: answerSchema.name, ...strictForm(answerSchema.schema) };
}

/** Wraps `provider` so every call asks for the schema. */
export function typedProvider(provider: Provider, opts: TypedProviderOptions): Provider {
  const structured = nativeStructured(provider.id, opts.answerSchema);
  let prompting = opts.mode === 'prompt';
  const inPrompt = (request: ChatRequest): ChatRequest => ({ ...request, system: schemaSystemMessage(request.system, opts.answerSchema.schema) });
  return {
    id: provider.id,
    model: provider.model,
    async complete(request, signal) {
      if (prompting || structured === undefined) return provider.complete(prompting ? inPrompt(request) : request, signal);
      try {
        return await provider.complete({ ...request, structured }, signal);
      } catch (err) {
        if (!(opts.mode === 'auto' && opts.compatible && refusesResponseFormat(err))) throw err;
        if (!prompting) {
          prompting = true;
          opts.onFallback?.((err as ProviderError).message);
        }
        return provider.complete(inPrompt(request), signal);
      }
    },
    close: () => provider.close(),
  };
}

/** A 400 that names the structured-output parameter: the server does not support it. */
function refusesResponseFormat(err: unknown): boolean {
  return err instanceof ProviderError && err.status === 400 && /response_format|json_schema/i.test(err.message);
}
