/**
 * A fake LLM provider on 127.0.0.1 speaking the real OpenAI and Anthropic wire formats (JSON and
 * SSE). It records every request, and a per-request hook can make any call fail the way real
 * servers do (429 with retry-after, 5xx, reset socket, hang, malformed body).
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { echoAnswer } from './text.js';
import { planBehavior } from './behaviors.js';
import * as openai from './openai.js';
import * as anthropic from './anthropic.js';

export { failFirst, failure, planBehavior } from './behaviors.js';

/** Starts a fake server; resolves once it listens. See server.d.ts for the options. */
export async function startFakeServer(options = {}) {
  const { host = '127.0.0.1', record = true, apiKey, answer = echoAnswer, dimension = 8 } = options;
  const models = options.models ?? ['test'];
  const plan = options.failures ? planBehavior(options.failures) : undefined;
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
    const entry = {
      method: req.method,
      path: req.url.split('?')[0],
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
    const act = behavior?.(entry, n) ?? plan?.(entry, n) ?? {};
    const headers = { [idHeader]: `req_fake${n}`, ...act.headers };

    const delay = act.delayMs ?? options.latency?.(entry, n) ?? options.latencyMs ?? 0;
    if (delay > 0) await sleep(delay);

    if (apiKey !== undefined && !authorized(req, vendor === anthropic)) {
      const sent = vendor === anthropic ? req.headers['x-api-key'] : req.headers.authorization;
      // Harsher than the real servers (they mask it): echo the key back, so tests prove clients never show it.
      const msg = sent ? `Incorrect API key provided: ${sent}.` : "You didn't provide an API key.";
      return send(res, 401, errorBody(401, msg), headers);
    }
    if (act.hang) return;
    if (act.reset) return req.socket.destroy();
    if (act.malformed) return send(res, 200, '{"id": "broken", "choices": [', headers);
    if (act.empty) return send(res, 200, '', headers);
    const status = act.status ?? 200;
    if (status >= 300 || act.body !== undefined) {
      if (act.retryAfter !== undefined) headers['retry-after'] = String(act.retryAfter);
      if (act.retryAfterMs !== undefined) headers['retry-after-ms'] = String(act.retryAfterMs);
      return send(res, status, act.body ?? errorBody(status, act.message), headers);
    }
    route(req, res, entry, act, headers);
  }

  function authorized(req, isAnthropic) {
    return isAnthropic ? req.headers['x-api-key'] === apiKey : req.headers.authorization === `Bearer ${apiKey}`;
  }

  function route(req, res, entry, act, headers) {
    const { method, path, body } = entry;
    const text = () => act.answer ?? answer(body);
    if (method === 'POST' && path.endsWith('/chat/completions')) {
      const finish = act.finishReason ?? 'stop';
      if (body?.stream === true) return sendSSE(res, openai.chatCompletionStream(body, text(), finish), headers);
      return send(res, 200, openai.chatCompletion(body, text(), finish), headers);
    }
    if (method === 'POST' && path.endsWith('/messages')) {
      const stop = act.finishReason ?? 'end_turn';
      if (body?.stream === true) return sendSSE(res, anthropic.messageStream(body, text(), stop), headers);
      return send(res, 200, anthropic.message(body, text(), stop), headers);
    }
    if (method === 'POST' && path.endsWith('/embeddings')) return send(res, 200, openai.embeddings(body, dimension), headers);
    if (method === 'GET' && path.endsWith('/models')) return send(res, 200, openai.modelList(models), headers);
    send(res, 404, openai.openaiError(404, `Invalid URL (${method} ${path})`), headers);
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
    setBehavior(fn) {
      behavior = fn;
    },
    reset() {
      requests.length = 0;
      count = 0;
      behavior = options.behavior;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res, status, payload, headers) {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendSSE(res, payload, headers) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
  res.end(payload);
}
