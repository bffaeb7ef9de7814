/** Prompt helpers shared by the OpenAI and Anthropic fake endpoints. */

/** Text of one message's content: a string, or an array of parts whose text parts are joined. */
export function contentText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part && typeof part.text === 'string' ? part.text : '')).join('');
}

/** Text of the last user message in a chat body (OpenAI and Anthropic share `messages`). */
export function lastUserText(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') return contentText(messages[i].content);
  }
  return '';
}

/** Rough token count: whitespace-separated words, so tests can predict usage exactly. */
export function countWords(text) {
  let n = 0;
  for (const word of String(text).split(/\s+/)) if (word !== '') n++;
  return n;
}

/** Words of every message (and an Anthropic top-level system) in a chat body. */
export function promptWords(body) {
  let n = typeof body?.system === 'string' ? countWords(body.system) : countWords(contentText(body?.system));
  for (const m of Array.isArray(body?.messages) ? body.messages : []) n += countWords(contentText(m?.content));
  return n;
}

/** The default answer: deterministic from the prompt so tests can assert exact output rows. */
export function echoAnswer(body) {
  return `echo:${lastUserText(body)}`;
}

/** Splits an answer into a few streaming pieces that concatenate back to it exactly. */
export function splitForStream(text) {
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  return pieces.length > 0 ? pieces : [''];
}
