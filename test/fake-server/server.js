/**
 * A fake LLM provider on 127.0.0.1 speaking the real OpenAI and Anthropic wire formats (JSON and
 * SSE). It records every request, and a per-request hook can make any call fail the way real
 * servers do (429 with retry-after, 5xx, reset socket, hang, malformed body). A seeded fault mix
 * and an enforced rate limit (token bucket, real rate-limit headers) come built in.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { countWords, echoAnswer, promptWords } from './text.js';
import { planBehavior } from './behaviors.js';
import { faultMix } from './faults.js';
import { createRateLimiter } from './rate-limit.js';
import { createSlidingWindow } from './sliding-window.js';
import * as openai from './openai.js';
import * as anthropic from './anthropic.js';
import { structuredResponse } from './structured.js';
import { createBatches } from './batches.js';

export { failFirst, failure, planBehavior } from './behaviors.js';
export { DEFAULT_FAULT_MIX, faultMix, mulberry32At, parseFaultMix } from './faults.js';
export { createRateLimiter, goDuration, rfc3339Seconds } from './rate-limit.js';
export { createSlidingWindow } from './sliding-window.js';
export { streamGate } from './stream-gate.js';
export { answersInvalid, conformingValue } from './structured.js';

/** Starts a fake server; resolves once it listens. See server.d.ts for the options. */
export async function startFakeServer(options = {}) {
  const { host = '127.0.0.1', record = true, apiKey, answer = echoAnswer, dimension = 8 } = options;
  const models = options.models ?? ['test'];
  const plan = options.failures ? planBehavior(options.failures) : undefined;
  const faults = options.faults ? faultMix(options.faults) : undefined;
  const now = options.now ?? Date.now;
  const limiter = options.rateLimit ? createRateLimiter(options.rateLimit, now) : undefined;
  const unstated = options.slidingWindow ? createSlidingWindow(options.slidingWindow, now) : undefined;
  const batches = createBatches(options.batches, { answer, dimension, now });
  let stats = emptyStats();
  const requests = [];
  let behavior = options.behavior;
  let count = 0;
  let connections = 0;

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => {
        if (!res.headersSent) send(res, 500, openai.openaiError(500, `fake server bug: ${err.message}`));
      });
    });
  });
  // Longer than any client's idle timeout, so the client, not us, closes idle sockets (no reuse race).
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => connections++);

  async function handle(req, res, raw) {
    let body;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const n = ++count;
    stats.requests++;
    const entry = {
      method: req.method,
      path: req.url.split('?')[0],
      query: Object.fromEntries(new URL(req.url, 'http://fake').searchParams),
      headers: req.headers,
      body,
      time: Date.now(),
      remotePort: req.socket.remotePort,
    };
    if (record) requests.push(entry);
    options.onRequest?.(entry);

    const vendor = entry.path.endsWith('/messages') ? anthropic : openai;
    const errorBody = vendor === anthropic ? anthropic.anthropicError : openai.openaiError;
    const idHeader = vendor === anthropic ? 'request-id' : 'x-request-id';
    const act = behavior?.(entry, n) ?? plan?.(entry, n) ?? faults?.(entry, n) ?? {};
    const headers = { [idHeader]: `req_fake${n}` };
    if (limiter) {
      const name = vendor === anthropic ? 'anthropic' : 'openai';
      // Only model calls spend the budget; every response still says where the budget stands.
      if (req.method !== 'POST') Object.assign(headers, limiter.headers(name));
      else {
        const verdict = limiter.admit(() => tokenCost(entry, act), name);
        Object.assign(headers, verdict.headers);
        if (!verdict.ok) {
          headers['retry-after'] = String(Math.ceil(verdict.waitMs / 1000));
          headers['retry-after-ms'] = String(verdict.waitMs);
          outcome(entry, 'rate_limited');
          return send(res, 429, errorBody(429), headers);
        }
      }
    }
    if (unstated && req.method === 'POST') {
      const verdict = unstated.admit();
      if (!verdict.ok) {
        outcome(entry, 'rate_limited');
        return send(res, 429, errorBody(429), { ...headers, ...verdict.headers });
      }
    }
    Object.assign(headers, act.headers);

    const delay = act.delayMs ?? options.latency?.(entry, n) ?? options.latencyMs ?? 0;
    if (delay > 0) await sleep(delay);

    if (apiKey !== undefined && !authorized(req, vendor === anthropic)) {
      const sent = vendor === anthropic ? req.headers['x-api-key'] : req.headers.authorization;
      // Harsher than the real servers (they mask it): echo the key back, so tests prove clients never show it.
      const msg = sent ? `Incorrect API key provided: ${sent}.` : "You didn't provide an API key.";
      outcome(entry, 'client_error');
      return send(res, 401, errorBody(401, msg), headers);
    }
    if (act.hang) return outcome(entry, 'hang');
    if (act.reset) {
      outcome(entry, 'reset');
      return req.socket.destroy();
    }
    if (act.malformed) {
      outcome(entry, 'malformed');
      return send(res, 200, '{"id": "broken", "choices": [', headers);
    }
    if (act.empty) {
      outcome(entry, 'empty');
      return send(res, 200, '', headers);
    }
    const status = act.status ?? 200;
    if (status >= 300 || act.body !== undefined) {
      if (act.retryAfter !== undefined) headers['retry-after'] = String(act.retryAfter);
      if (act.retryAfterMs !== undefined) headers['retry-after-ms'] = String(act.retryAfterMs);
      outcome(entry, statusOutcome(status));
      return send(res, status, act.body ?? errorBody(status, act.message), headers);
    }
    outcome(entry, route(res, entry, act, headers));
  }

  function outcome(entry, what) {
    entry.outcome = what;
    stats[statsField[what]]++;
  }

  // What a request spends of a tokens-per-minute budget: its prompt plus the answer it will get.
  function tokenCost(entry, act) {
    const { path, body } = entry;
    if (path.endsWith('/embeddings')) {
      const inputs = Array.isArray(body?.input) ? body.input : [body?.input ?? ''];
      return inputs.reduce((n, x) => n + countWords(typeof x === 'string' ? x : JSON.stringify(x)), 0);
    }
    if (typeof body !== 'object' || body === null) return 0;
    return promptWords(body) + countWords(act.answer ?? answer(body));
  }

  function authorized(req, isAnthropic) {
    return isAnthropic ? req.headers['x-api-key'] === apiKey : req.headers.authorization === `Bearer ${apiKey}`;
  }

  /** Answers a request that no fault or hook intercepted; returns the outcome. */
  function route(res, entry, act, headers) {
    const { method, path, body } = entry;
    const text = () => act.answer ?? answer(body);
    const typed = act.answer === undefined ? structuredResponse(path, body, options.structured) : undefined;
    if (typed !== undefined) {
      send(res, 200, typed, headers);
      return 'ok';
    }
    const batchReply = batches.route(entry);
    if (batchReply) return sendBatchReply(res, batchReply, headers);
    if (method === 'POST' && path.endsWith('/chat/completions')) {
      const finish = act.finishReason ?? 'stop';
      if (body?.stream === true) return sendSSE(res, openai.chatCompletionEvents(body, text(), finish), headers, act, openai.streamErrorEvent);
      else send(res, 200, openai.chatCompletion(body, text(), finish), headers);
    } else if (method === 'POST' && path.endsWith('/messages')) {
      const stop = act.finishReason ?? 'end_turn';
      if (body?.stream === true) return sendSSE(res, anthropic.messageEvents(body, text(), stop), headers, act, anthropic.streamErrorEvent);
      else send(res, 200, anthropic.message(body, text(), stop), headers);
    } else if (method === 'POST' && path.endsWith('/embeddings')) send(res, 200, openai.embeddings(body, dimension), headers);
    else if (method === 'GET' && path.endsWith('/models')) send(res, 200, openai.modelList(models), headers);
    else {
      send(res, 404, openai.openaiError(404, `Invalid URL (${method} ${path})`), headers);
      return 'client_error';
    }
    return 'ok';
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = server.address().port;

  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    /** TCP connections accepted since start (keep-alive reuse shows as few connections). */
    get connections() {
      return connections;
    },
    /** A copy of the counts of requests by how they were answered. */
    get stats() {
      return { ...stats };
    },
    /** The batch endpoints' state: what was submitted, how many batches were created. */
    batches,
    setBehavior(fn) {
      behavior = fn;
    },
    reset() {
      requests.length = 0;
      count = 0;
      stats = emptyStats();
      limiter?.restart();
      unstated?.restart();
      batches.reset();
      behavior = options.behavior;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const statsField = {
  ok: 'ok',
  rate_limited: 'rateLimited',
  server_error: 'serverErrors',
  client_error: 'clientErrors',
  reset: 'resets',
  hang: 'hangs',
  malformed: 'malformed',
  empty: 'empty',
};

function emptyStats() {
  return { requests: 0, ok: 0, rateLimited: 0, serverErrors: 0, clientErrors: 0, resets: 0, hangs: 0, malformed: 0, empty: 0 };
}

function statusOutcome(status) {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}

function sendBatchReply(res, [status, payload, type], headers) {
  send(res, status, payload, type ? { ...headers, 'content-type': type } : headers);
  return status < 300 ? 'ok' : 'client_error';
}

function send(res, status, payload, headers) {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Streams SSE events; returns the outcome. Whole at once, unless `act.gate` holds the stream after
 * its first `gate.after` answer pieces until the gate opens, `act.cutStreamAfter` closes the
 * connection after that many pieces, without the rest of the answer or the end of the body, or
 * `act.streamError` sends the vendor's in-stream error event after `streamError.after` pieces.
 */
function sendSSE(res, events, headers, act, errorEvent) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  if (act.streamError !== undefined) {
    const { after = 0, type, message } = act.streamError;
    const at = afterPieces(events, after);
    res.end(events.slice(0, at).concat(errorEvent(type, message)).map((e) => e.sse).join(''));
    return 'server_error';
  }
  const cut = act.cutStreamAfter;
  const split = cut ?? act.gate?.after;
  if (split === undefined) {
    res.end(events.map((e) => e.sse).join(''));
    return 'ok';
  }
  const at = afterPieces(events, split);
  res.write(events.slice(0, at).map((e) => e.sse).join(''));
  if (cut !== undefined) {
    // end(), not destroy(): what was written still arrives, then the body stops short.
    res.socket?.end();
    return 'reset';
  }
  const rest = events.slice(at).map((e) => e.sse).join('');
  void act.gate.hold().then(() => {
    if (!res.destroyed) res.end(rest);
  });
  return 'ok';
}

/** The index just past the event carrying the n-th answer piece (n = 0: before the first piece). */
function afterPieces(events, n) {
  let seen = 0;
  for (let i = 0; i < events.length; i++) {
    if (events[i].piece === undefined) continue;
    if (seen === n) return i;
    seen++;
    if (seen === n) return i + 1;
  }
  return events.length;
}
