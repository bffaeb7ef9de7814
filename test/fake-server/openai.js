/** The OpenAI wire format: chat completions (JSON and SSE), embeddings, models, error bodies. */
import { countWords, promptWords, splitForStream } from './text.js';

/** The error body OpenAI sends: `{error: {message, type, param, code}}`. */
export function openaiError(status, message) {
  const [type, code] =
    status === 401 ? ['invalid_request_error', 'invalid_api_key']
    : status === 403 ? ['invalid_request_error', 'unsupported_country_region_territory']
    : status === 429 ? ['requests', 'rate_limit_exceeded']
    : status >= 500 ? ['server_error', null]
    : ['invalid_request_error', null];
  return { error: { message: message ?? defaultMessage(status), type, param: null, code } };
}

function defaultMessage(status) {
  if (status === 429) return 'Rate limit reached for requests. Please try again later.';
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  if (status === 401) return 'Incorrect API key provided.';
  return `Request failed with status ${status}.`;
}

let nextId = 0;
const newId = () => `chatcmpl-fake${++nextId}`;
const now = () => Math.floor(Date.now() / 1000);

/** A non-streaming `chat.completion` object. */
export function chatCompletion(body, answer, finishReason) {
  const prompt = promptWords(body);
  const completion = countWords(answer);
  return {
    id: newId(),
    object: 'chat.completion',
    created: now(),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** The SSE payload of a streamed completion: `data: {chunk}` lines, then `data: [DONE]`. */
export function chatCompletionStream(body, answer, finishReason) {
  return chatCompletionEvents(body, answer, finishReason).map((e) => e.sse).join('');
}

/** The events of a streamed completion, in order; `piece` is the answer text an event carries. */
export function chatCompletionEvents(body, answer, finishReason) {
  const id = newId();
  const created = now();
  const chunk = (choices, extra) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices, ...extra })}\n\n`;
  const withUsage = body.stream_options?.include_usage === true;
  // With include_usage, every chunk carries `usage: null` and one last chunk with no choices carries the counts.
  const nullUsage = withUsage ? { usage: null } : {};
  const events = [{ sse: chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], nullUsage) }];
  for (const piece of splitForStream(answer)) {
    events.push({ sse: chunk([{ index: 0, delta: { content: piece }, finish_reason: null }], nullUsage), piece });
  }
  events.push({ sse: chunk([{ index: 0, delta: {}, finish_reason: finishReason }], nullUsage) });
  if (withUsage) {
    const prompt = promptWords(body);
    const completion = countWords(answer);
    events.push({ sse: chunk([], { usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } }) });
  }
  events.push({ sse: 'data: [DONE]\n\n' });
  return events;
}

/** Deterministic unit vector for a text (same text, same vector). */
function vectorFor(text, dimension) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  const v = new Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) ^ i;
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    v[i] = ((h >>> 0) / 4294967296) * 2 - 1;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm) || 1;
  return v.map((x) => x / norm);
}

/** An embeddings `list`; base64 when asked, as the openai SDK does by default. */
export function embeddings(body, defaultDimension) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const dimension = Number.isInteger(body.dimensions) ? body.dimensions : defaultDimension;
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    tokens += countWords(text);
    const vector = vectorFor(text, dimension);
    const embedding =
      body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/** The `GET /v1/models` list. */
export function modelList(ids) {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'fake' })) };
}

/** An error sent inside a stream, as OpenAI-compatible servers do: `data: {"error": {...}}`. */
export function streamErrorEvent(type = 'server_error', message = 'The server had an error while processing your request.') {
  return { sse: `data: ${JSON.stringify({ error: { message, type, param: null, code: null } })}\n\n` };
}
