/** The Anthropic wire format: messages (JSON and SSE) and error bodies. */
import { countWords, promptWords, splitForStream } from './text.js';

const errorTypes = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** The error body Anthropic sends: `{type: 'error', error: {type, message}}`. */
export function anthropicError(status, message) {
  const type = errorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const text =
    message ??
    (status === 401 ? 'invalid x-api-key'
    : status === 429 ? 'Number of requests has exceeded your per-minute rate limit'
    : status >= 500 ? 'Internal server error'
    : `Request failed with status ${status}`);
  return { type: 'error', error: { type, message: text } };
}

let nextId = 0;
const newId = () => `msg_fake${++nextId}`;

/** A non-streaming `message` object. */
export function message(body, answer, stopReason) {
  return {
    id: newId(),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [{ type: 'text', text: answer }],
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: promptWords(body), output_tokens: countWords(answer) },
  };
}

/** The SSE payload of a streamed message, in the real event order. */
export function messageStream(body, answer, stopReason) {
  return messageEvents(body, answer, stopReason).map((e) => e.sse).join('');
}

/** The events of a streamed message, in order; `piece` is the answer text an event carries. */
export function messageEvents(body, answer, stopReason) {
  const event = (type, data) => ({ sse: `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n` });
  const start = {
    id: newId(),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: promptWords(body), output_tokens: 1 },
  };
  const events = [
    event('message_start', { message: start }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
  ];
  for (const piece of splitForStream(answer)) {
    events.push({ ...event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }), piece });
  }
  events.push(event('content_block_stop', { index: 0 }));
  events.push(
    event('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: countWords(answer) },
    }),
  );
  events.push(event('message_stop', {}));
  return events;
}

/** An error event inside a stream (Anthropic sends e.g. overloaded_error part way through an answer). */
export function streamErrorEvent(type = 'overloaded_error', message = 'Overloaded') {
  return { sse: `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n` };
}
