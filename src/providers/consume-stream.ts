/**
 * The loop both SDK streaming adapters share. The SDKs end an aborted stream silently, as if the
 * answer were complete, and time out only until the response headers arrive; this loop tells abort,
 * a stalled stream, the consumer's own errors and provider errors apart, so a cut answer is never
 * mistaken for a whole one.
 */
import { ProviderError } from '../errors.js';
import { toProviderError, type CallContext } from './errors.js';
import type { DeltaHandler } from './provider.js';

/**
 * Opens a stream with `open` and reads each event with `read` (which returns the text it carries,
 * if any) until the stream ends; resolves with the whole text. No event for `ctx.timeoutMs` ends
 * it with a timeout error.
 */
export async function consumeStream<E>(
  open: (signal: AbortSignal) => Promise<AsyncIterable<E>>,
  read: (event: E) => string | undefined,
  onDelta: DeltaHandler,
  ctx: CallContext,
  signal: AbortSignal,
): Promise<string> {
  if (signal.aborted) throw new ProviderError('aborted', 'request aborted');
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let stalled: 'before' | 'during' | undefined;
  let events = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = events === 0 ? 'before' : 'during';
      controller.abort(new Error('stalled'));
    }, ctx.timeoutMs);
  };
  let consumerFailed = false;
  let text = '';
  try {
    arm();
    const stream = await open(controller.signal);
    for await (const event of stream) {
      events++;
      arm();
      const piece = read(event);
      if (piece === undefined || piece === '') continue;
      text += piece;
      try {
        await onDelta(piece);
      } catch (err) {
        consumerFailed = true;
        throw err;
      }
    }
  } catch (err) {
    if (consumerFailed) throw err;
    throw stalled ? stallError(stalled, ctx) : (inStreamError(err, ctx) ?? toProviderError(err, ctx, signal));
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    // Ends the request if the loop left early (a consumer error): the SDK stream may still hold it.
    controller.abort();
  }
  if (stalled) throw stallError(stalled, ctx);
  if (signal.aborted) throw new ProviderError('aborted', 'request aborted');
  return text;
}

/**
 * An error the server sent inside a 200 stream (Anthropic `event: error`, such as overloaded_error;
 * OpenAI-compatible `data: {"error": ...}`). The SDKs throw it with no status, which would read as
 * a bad request; its type says whether trying again may help.
 */
function inStreamError(err: unknown, ctx: CallContext): ProviderError | undefined {
  const e = err as { status?: unknown; error?: { type?: unknown; message?: unknown; error?: { type?: unknown; message?: unknown } } };
  if (e?.status !== undefined || typeof e?.error !== 'object' || e.error === null) return undefined;
  const inner = e.error.type === 'error' && typeof e.error.error === 'object' && e.error.error !== null ? e.error.error : e.error;
  const type = typeof inner.type === 'string' ? inner.type : undefined;
  const said = typeof inner.message === 'string' && inner.message !== '' ? inner.message : (type ?? 'no error message');
  const kind = type === undefined ? 'server' : retryableTypes.has(type) ? 'server' : rateLimitTypes.has(type) ? 'rate_limit' : 'bad_request';
  const redacted = ctx.secret && ctx.secret.length >= 4 ? said.split(ctx.secret).join('***') : said;
  const text = redacted.replace(/\s+/g, ' ').trim().slice(0, 300);
  return new ProviderError(kind, `error from ${ctx.endpoint} during the answer${type ? ` (${type})` : ''}: ${text}`, { cause: err });
}

const retryableTypes = new Set(['overloaded_error', 'api_error', 'server_error', 'internal_error', 'timeout_error']);
const rateLimitTypes = new Set(['rate_limit_error', 'rate_limit_exceeded', 'requests', 'tokens']);

function stallError(when: 'before' | 'during', ctx: CallContext): ProviderError {
  return new ProviderError(
    'timeout',
    when === 'before'
      ? `no answer from ${ctx.endpoint} within ${ctx.timeoutMs} ms`
      : `the answer from ${ctx.endpoint} stalled: nothing arrived for ${ctx.timeoutMs} ms`,
  );
}
