/**
 * The few, rare HTTP calls of a batch endpoint (upload, create, poll, download), over fetch: they
 * are not the per-row hot path, and fetch speaks multipart. Failures become ProviderErrors.
 */
import { toProviderError, type CallContext } from '../errors.js';

/** Calls to one base URL with fixed headers. */
export interface BatchHttp {
  json<T>(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal): Promise<T>;
  form<T>(path: string, form: FormData, signal: AbortSignal): Promise<T>;
  /** The non-blank lines of a JSONL download, parsed, as they arrive (a batch's results are not held whole). */
  jsonLines(urlOrPath: string, signal: AbortSignal): AsyncIterable<unknown>;
}

export function batchHttp(baseURL: string, headers: Record<string, string>, query: Record<string, string> | undefined, ctx: CallContext): BatchHttp {
  const base = baseURL.replace(/\/+$/, '');
  const search = query && Object.keys(query).length > 0 ? new URLSearchParams(query).toString() : '';
  const urlOf = (path: string) => {
    const url = /^https?:\/\//.test(path) ? path : base + path;
    return search === '' ? url : url + (url.includes('?') ? '&' : '?') + search;
  };

  async function call(url: string, init: RequestInit, signal: AbortSignal): Promise<string> {
    try {
      const res = await fetch(urlOf(url), { ...init, signal });
      const text = await res.text();
      if (!res.ok) throw errorOf(res, text);
      return text;
    } catch (err) {
      throw toProviderError(err, ctx, signal);
    }
  }

  return {
    async json(method, path, body, signal) {
      const init: RequestInit = { method, headers: { ...headers, accept: 'application/json' } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { ...init.headers, 'content-type': 'application/json' };
      }
      return parse(await call(path, init, signal), ctx, signal);
    },
    async form(path, form, signal) {
      return parse(await call(path, { method: 'POST', headers, body: form }, signal), ctx, signal);
    },
    async *jsonLines(path, signal) {
      try {
        const res = await fetch(urlOf(path), { method: 'GET', headers, signal });
        if (!res.ok || !res.body) throw errorOf(res, await res.text());
        let rest = '';
        for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop()!;
          for (const line of lines) if (line.trim() !== '') yield JSON.parse(line);
        }
        if (rest.trim() !== '') yield JSON.parse(rest);
      } catch (err) {
        throw toProviderError(err, ctx, signal);
      }
    },
  };
}

function parse<T>(text: string, ctx: CallContext, signal: AbortSignal): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw toProviderError(err, ctx, signal);
  }
}

/** A non-2xx reply in the SDKs' APIError shape, so providers/errors.ts maps it like any other. */
function errorOf(res: Response, text: string) {
  let error: unknown;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    error = parsed?.error ?? parsed;
  } catch {
    error = undefined;
  }
  return { status: res.status, headers: res.headers, error, message: `${res.status} ${text.slice(0, 500)}` };
}
