/**
 * The providers' batch endpoints: OpenAI Files (`POST /v1/files` multipart, purpose `batch`;
 * `GET /v1/files`, `GET /v1/files/{id}/content`) + Batches (`POST /v1/batches`, `GET /v1/batches[/{id}]`,
 * `POST /v1/batches/{id}/cancel`), and Anthropic Message Batches (`POST|GET /v1/messages/batches`,
 * `GET .../{id}`, `GET .../{id}/results` JSONL, `POST .../{id}/cancel`). Batches end by time: a GET
 * after `completeAfterMs` finds them ended, with the answers the realtime endpoints would give.
 * Counts every request line submitted in a created batch, so tests can say "each row exactly once".
 */
import { echoAnswer, lastUserText } from './text.js';
import { mulberry32At } from './faults.js';
import * as openai from './openai.js';
import * as anthropic from './anthropic.js';

const DAY_S = 24 * 3600;

/** Options: see BatchOptions in server.d.ts. */
export function createBatches(options = {}, { answer = echoAnswer, dimension = 8, now = Date.now } = {}) {
  const {
    completeAfterMs = 0,
    shuffleSeed,
    failShare = 0,
    failSeed = 1,
    expireFirst = 0,
    expiredShare = 0.5,
    maxRequests = 50_000,
    maxFileBytes = 200 * 1024 * 1024,
    anthropicMaxRequests = 100_000,
    anthropicMaxBytes = 256 * 1024 * 1024,
    maxEnqueued = Infinity,
  } = options;
  let files, batches, submitted, seenPrompts, created, draws, ids;
  const reset = () => {
    files = new Map();
    batches = new Map();
    submitted = [];
    seenPrompts = new Set();
    created = 0;
    draws = 0;
    ids = 0;
  };
  reset();
  // A function lets a test change it while batches exist (read whenever a batch is looked at).
  const completeAfter = () => (typeof completeAfterMs === 'function' ? completeAfterMs() : completeAfterMs);
  const nextId = (prefix) => `${prefix}${(++ids).toString(36).padStart(6, '0')}`;
  const seconds = () => Math.floor(now() / 1000);

  /** Whether this submission of a prompt fails: a seeded share of first submissions only, so a resubmission succeeds. */
  function fails(prompt) {
    const first = !seenPrompts.has(prompt);
    seenPrompts.add(prompt);
    if (!first || failShare <= 0) return false;
    return mulberry32At(failSeed, ++draws) < failShare;
  }

  function order(items, batchNumber) {
    if (shuffleSeed === undefined) return items;
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(mulberry32At(shuffleSeed + batchNumber, i) * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  // ---- OpenAI ----

  function openaiFile(f) {
    return { id: f.id, object: 'file', bytes: f.bytes, created_at: f.created_at, filename: f.filename, purpose: f.purpose, status: 'processed', expires_at: null, status_details: null };
  }

  function uploadFile(entry) {
    const parts = parseMultipart(entry.headers['content-type'], entry.body);
    if (!parts || parts.file === undefined) return [400, openai.openaiError(400, "'file' is a required property")];
    if (parts.purpose === undefined) return [400, openai.openaiError(400, "'purpose' is a required property")];
    const bytes = Buffer.byteLength(parts.file.content);
    if (parts.purpose === 'batch' && bytes > maxFileBytes) return [400, openai.openaiError(400, 'File is too large.')];
    const f = { id: nextId('file-'), bytes, created_at: seconds(), filename: parts.file.filename, purpose: parts.purpose, content: parts.file.content };
    files.set(f.id, f);
    return [200, openaiFile(f)];
  }

  function createOpenAIBatch(body) {
    const file = files.get(body?.input_file_id);
    if (!file) return [404, openai.openaiError(404, `No such File object: ${body?.input_file_id}`)];
    if (body.endpoint !== '/v1/chat/completions' && body.endpoint !== '/v1/embeddings') {
      return [400, openai.openaiError(400, `Invalid endpoint: ${body.endpoint}`)];
    }
    const lines = file.content.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
    const number = ++created;
    const t = seconds();
    const b = {
      id: nextId('batch_'),
      object: 'batch',
      endpoint: body.endpoint,
      errors: null,
      input_file_id: file.id,
      completion_window: body.completion_window ?? '24h',
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      created_at: t,
      in_progress_at: null,
      expires_at: t + DAY_S,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: lines.length, completed: 0, failed: 0 },
      metadata: body.metadata ?? null,
    };
    const tooMany = lines.length > maxRequests;
    const enqueued = [...batches.values()].filter((s) => s.vendor === 'openai' && s.queued).reduce((n, s) => n + s.lines.length, 0);
    const overQueue = !tooMany && enqueued + lines.length > maxEnqueued;
    const queued = !tooMany && !overQueue;
    if (queued) for (const l of lines) submitted.push(promptOf(l.body));
    batches.set(b.id, { vendor: 'openai', wire: b, lines, number, createdMs: now(), tooMany, overQueue, queued, expires: number <= expireFirst });
    return [200, b];
  }

  /** Moves an OpenAI batch on by time; writes its output and error files when it ends. */
  function advanceOpenAI(state) {
    const b = state.wire;
    if (['completed', 'failed', 'expired', 'cancelled'].includes(b.status)) return b;
    if (state.tooMany || state.overQueue) {
      b.status = 'failed';
      b.failed_at = seconds();
      const error = state.tooMany
        ? { code: 'too_many_tasks', message: `The batch has ${state.lines.length} requests; the limit is ${maxRequests}.` }
        : { code: 'token_limit_exceeded', message: `Enqueued token limit reached for ${state.lines[0]?.body?.model} in organization org-fake. Limit: ${maxEnqueued} enqueued tokens. Please try again once some in_progress batches have been completed.` };
      b.errors = { object: 'list', data: [{ ...error, line: null, param: null }] };
      return b;
    }
    if (b.status === 'cancelling') return endOpenAI(state, 'cancelled');
    if (now() - state.createdMs < completeAfter()) {
      if (b.status === 'validating') {
        b.status = 'in_progress';
        b.in_progress_at = seconds();
      }
      return b;
    }
    return endOpenAI(state, state.expires ? 'expired' : 'completed');
  }

  function endOpenAI(state, status) {
    const b = state.wire;
    const out = [];
    const errs = [];
    const unfinishedFrom = status === 'cancelled' ? 0 : status === 'expired' ? Math.floor(state.lines.length * (1 - expiredShare)) : state.lines.length;
    state.lines.forEach((line, i) => {
      const id = `batch_req_${b.id}_${i}`;
      if (i >= unfinishedFrom) {
        const code = status === 'cancelled' ? 'batch_cancelled' : 'batch_expired';
        const message = status === 'cancelled' ? 'This request was cancelled before it was executed.' : 'This request could not be executed before the completion window expired.';
        errs.push({ id, custom_id: line.custom_id, response: null, error: { code, message } });
      } else if (fails(promptOf(line.body))) {
        errs.push({ id, custom_id: line.custom_id, response: { status_code: 500, request_id: `req_${id}`, body: openai.openaiError(500) }, error: null });
      } else {
        const body = line.url.endsWith('/embeddings') ? openai.embeddings(line.body, dimension) : openai.chatCompletion(line.body, answer(line.body), 'stop');
        out.push({ id, custom_id: line.custom_id, response: { status_code: 200, request_id: `req_${id}`, body }, error: null });
      }
    });
    const t = seconds();
    state.queued = false;
    b.status = status;
    b.finalizing_at = t;
    b[`${status}_at`] = t;
    b.request_counts = { total: state.lines.length, completed: out.length, failed: errs.length };
    const fileOf = (rows, name) => {
      if (rows.length === 0) return null;
      const content = order(rows, state.number).map((r) => JSON.stringify(r)).join('\n') + '\n';
      const f = { id: nextId('file-'), bytes: Buffer.byteLength(content), created_at: t, filename: name, purpose: 'batch_output', content };
      files.set(f.id, f);
      return f.id;
    };
    b.output_file_id = fileOf(out, 'batch_output.jsonl');
    b.error_file_id = fileOf(errs, 'batch_errors.jsonl');
    return b;
  }

  function listOf(items, query, afterKey) {
    const limit = Math.min(100, Number(query.limit ?? 20));
    let list = [...items].reverse(); // newest first, as both vendors list
    const after = query[afterKey];
    if (after !== undefined) {
      const at = list.findIndex((x) => x.id === after);
      list = at < 0 ? [] : list.slice(at + 1);
    }
    const data = list.slice(0, limit);
    return { data, has_more: list.length > limit, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }

  // ---- Anthropic ----

  function createMessageBatch(body, rawBytes) {
    if (rawBytes > anthropicMaxBytes) return [413, anthropic.anthropicError(413, 'Request exceeds the maximum allowed number of bytes.')];
    const requests = Array.isArray(body?.requests) ? body.requests : undefined;
    if (!requests || requests.length === 0) return [400, anthropic.anthropicError(400, 'requests: field required')];
    if (requests.length > anthropicMaxRequests) {
      return [400, anthropic.anthropicError(400, `requests: the batch has ${requests.length} requests; at most ${anthropicMaxRequests} are allowed`)];
    }
    const number = ++created;
    for (const r of requests) submitted.push(promptOf(r.params));
    const t = now();
    const b = {
      id: nextId('msgbatch_'),
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: new Date(t).toISOString(),
      expires_at: new Date(t + DAY_S * 1000).toISOString(),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    };
    batches.set(b.id, { vendor: 'anthropic', wire: b, requests, number, createdMs: t, expires: number <= expireFirst });
    return [200, b];
  }

  function advanceAnthropic(state, origin) {
    const b = state.wire;
    if (b.processing_status === 'ended') return b;
    const canceling = b.processing_status === 'canceling';
    if (!canceling && now() - state.createdMs < completeAfter()) return b;
    const unfinishedFrom = canceling ? 0 : state.expires ? Math.floor(state.requests.length * (1 - expiredShare)) : state.requests.length;
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    state.results = state.requests.map((r, i) => {
      let result;
      if (i >= unfinishedFrom) result = { type: canceling ? 'canceled' : 'expired' };
      else if (fails(promptOf(r.params))) result = { type: 'errored', error: anthropic.anthropicError(500) };
      else result = { type: 'succeeded', message: anthropic.message(r.params, answer(r.params), 'end_turn') };
      counts[result.type === 'canceled' ? 'canceled' : result.type]++;
      return { custom_id: r.custom_id, result };
    });
    b.processing_status = 'ended';
    b.request_counts = counts;
    b.ended_at = new Date(now()).toISOString();
    b.results_url = `${origin}/v1/messages/batches/${b.id}/results`;
    return b;
  }

  /** Answers a batch route; returns [status, payload, contentType?], or undefined when the path is not one. */
  function route(entry) {
    const { method, path, body, query } = entry;
    const origin = `http://${entry.headers.host}`;
    let m;
    if (method === 'POST' && path === '/v1/files') return uploadFile(entry);
    if (method === 'GET' && path === '/v1/files') {
      const list = [...files.values()].filter((f) => query.purpose === undefined || f.purpose === query.purpose).map(openaiFile);
      return [200, { object: 'list', ...listOf(list, query, 'after') }];
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/files\/([^/]+)\/content$/))) {
      const f = files.get(m[1]);
      return f ? [200, f.content, 'application/octet-stream'] : [404, openai.openaiError(404, `No such File object: ${m[1]}`)];
    }
    if (method === 'POST' && path === '/v1/batches') return createOpenAIBatch(body);
    if (method === 'GET' && path === '/v1/batches') {
      const list = [...batches.values()].filter((s) => s.vendor === 'openai').map((s) => advanceOpenAI(s));
      return [200, { object: 'list', ...listOf(list, query, 'after') }];
    }
    if ((m = path.match(/^\/v1\/batches\/([^/]+)(\/cancel)?$/))) {
      const state = batches.get(m[1]);
      if (!state || state.vendor !== 'openai') return [404, openai.openaiError(404, `No batch found with id '${m[1]}'.`)];
      if (method === 'POST' && m[2]) {
        const b = advanceOpenAI(state);
        if (b.status === 'validating' || b.status === 'in_progress' || b.status === 'finalizing') {
          b.status = 'cancelling';
          b.cancelling_at = seconds();
        }
        return [200, b];
      }
      if (method === 'GET' && !m[2]) return [200, advanceOpenAI(state)];
    }
    if (method === 'POST' && path === '/v1/messages/batches') return createMessageBatch(body, Buffer.byteLength(JSON.stringify(body ?? '')));
    if (method === 'GET' && path === '/v1/messages/batches') {
      const list = [...batches.values()].filter((s) => s.vendor === 'anthropic').map((s) => advanceAnthropic(s, origin));
      return [200, listOf(list, query, 'after_id')];
    }
    if ((m = path.match(/^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/))) {
      const state = batches.get(m[1]);
      if (!state || state.vendor !== 'anthropic') return [404, anthropic.anthropicError(404, `No batch found with id '${m[1]}'.`)];
      if (method === 'POST' && m[2] === '/cancel') {
        const b = advanceAnthropic(state, origin);
        if (b.processing_status === 'in_progress') {
          b.processing_status = 'canceling';
          b.cancel_initiated_at = new Date(now()).toISOString();
        }
        return [200, b];
      }
      if (method === 'GET' && m[2] === '/results') {
        const b = advanceAnthropic(state, origin);
        if (b.processing_status !== 'ended') return [400, anthropic.anthropicError(400, `Message Batch ${b.id} has not yet ended. Results are available once processing_status is 'ended'.`)];
        return [200, order(state.results, state.number).map((r) => JSON.stringify(r)).join('\n') + '\n', 'application/binary'];
      }
      if (method === 'GET' && !m[2]) return [200, advanceAnthropic(state, origin)];
    }
    return undefined;
  }

  return {
    route,
    reset,
    /** The prompt (or embedding input) of every request line in every batch created, in submission order. */
    get submitted() {
      return [...submitted];
    },
    /** Batches created so far. */
    get created() {
      return created;
    },
    /** Every batch's wire object as the last GET left it (advanced by a GET, not by this read). */
    get batches() {
      return [...batches.values()].map((s) => s.wire);
    },
  };
}

/** What a request line asks about: the last user message, or the embedding input. */
function promptOf(body) {
  if (body && body.input !== undefined) return typeof body.input === 'string' ? body.input : JSON.stringify(body.input);
  return lastUserText(body);
}

/** The fields of a multipart/form-data body: text fields as strings, the file as {filename, content}. */
function parseMultipart(contentType, raw) {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  if (!boundary || typeof raw !== 'string') return undefined;
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  const fields = {};
  for (const part of raw.split(delimiter).slice(1)) {
    if (part.startsWith('--')) break;
    const end = part.indexOf('\r\n\r\n');
    if (end < 0) continue;
    const head = part.slice(0, end);
    const content = part.slice(end + 4).replace(/\r\n$/, '');
    const name = /name="([^"]*)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (name === undefined) continue;
    fields[name] = filename === undefined ? content : { filename, content };
  }
  return fields;
}
