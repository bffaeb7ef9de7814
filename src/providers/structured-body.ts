/**
 * The parts of a chat body that ask for typed answers, per vendor: OpenAI's `response_format`
 * json_schema, Anthropic's forced tool, and the follow-up turn of a retry after an invalid answer.
 */
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { MessageCreateParamsNonStreaming, Tool } from '@anthropic-ai/sdk/resources/messages';
import type { ChatRequest } from './provider.js';

/** OpenAI (and compatible servers): `response_format: {type: "json_schema", json_schema: {name, schema, strict}}`. */
export function addOpenAIStructured(body: ChatCompletionCreateParamsNonStreaming, request: ChatRequest): void {
  const { structured, correction } = request;
  if (structured) {
    body.response_format = { type: 'json_schema', json_schema: { name: structured.name, schema: structured.schema, strict: structured.strict } };
  }
  if (correction) {
    body.messages.push({ role: 'assistant', content: correction.answer }, { role: 'user', content: correction.message });
  }
}

/**
 * Anthropic: one tool whose input schema is the answer's, and `tool_choice` forcing it, so the
 * answer is the `input` of the tool_use block. A retry answers that block with an error
 * tool_result, as the Messages API requires after a tool_use.
 */
export function addAnthropicStructured(body: MessageCreateParamsNonStreaming, request: ChatRequest): void {
  const { structured, correction } = request;
  if (structured) {
    body.tools = [
      {
        name: structured.name,
        description: 'Record the answer. Its input is the answer, in the given schema.',
        input_schema: structured.schema as Tool.InputSchema,
      },
    ];
    body.tool_choice = { type: 'tool', name: structured.name };
  }
  if (correction) {
    if (structured && correction.toolUseId !== undefined) {
      body.messages.push(
        { role: 'assistant', content: [{ type: 'tool_use', id: correction.toolUseId, name: structured.name, input: parseOr(correction.answer) }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: correction.toolUseId, is_error: true, content: correction.message }] },
      );
    } else {
      body.messages.push({ role: 'assistant', content: correction.answer }, { role: 'user', content: correction.message });
    }
  }
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
