/**
 * OpenAI's Batch API: the requests as a JSONL file uploaded to `/v1/files` (purpose `batch`), a
 * batch created on it at `/v1/batches` with llmap's label in its metadata, polled, and its output
 * and error files read back. Limits: 50,000 requests and 200 MB per input file.
 */
import type { Batch } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import { ProviderError } from '../../errors.js';
import { callContext } from '../errors.js';
import { authHeader, toResult } from '../openai.js';
import type { ChatResult, ProviderConfig } from '../provider.js';
import { parseEmbeddings } from '../embedding-response.js';
import { float32ToBase64 } from '../float32-base64.js';
import { EMBEDDING_MARK } from '../../cache/embedding-cache.js';
import { parseOpenAIRateLimit } from '../rate-limit-headers.js';
import { BatchTooLargeError, type BatchApi, type BatchResultLine, type RemoteBatch } from './batch-api.js';
import { batchHttp } from './batch-http.js';

/** The metadata key holding llmap's label of a batch (how a batch created before a crash is found). */
export const LABEL_KEY = 'llmap_batch';

/** One line of an output or error file. */
interface OutputLine {
  custom_id: string;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string; message?: string } | null;
}

/**
 * The Batch API for chat completions, or (`embeddings`) for `/v1/embeddings`, one text per request:
 * an embedding's result is shaped as the embedding cache stores it (base64 float32 in `text`).
 */
export function createOpenAIBatchApi(config: ProviderConfig, apiKeyEnv?: string, embeddings = false): BatchApi {
  const ctx = callContext(config, 'api.openai.com', apiKeyEnv, parseOpenAIRateLimit);
  const http = batchHttp(config.baseURL ?? 'https://api.openai.com/v1', { ...config.headers, ...authHeader(config) }, config.query, ctx);
  const url = embeddings ? '/v1/embeddings' : '/v1/chat/completions';
  const parse = embeddings ? embeddingResult : toResult;

  const remote = (b: Batch): RemoteBatch => {
    const counts = b.request_counts ?? { total: 0, completed: 0, failed: 0 };
    const refused = b.status === 'failed' ? (b.errors?.data ?? []).map((e) => e.message ?? e.code).join('; ') || 'the batch failed' : undefined;
    return {
      id: b.id,
      status: b.status,
      ended: ['completed', 'failed', 'expired', 'cancelled'].includes(b.status),
      ...(refused !== undefined && { refused }),
      ...(b.errors?.data?.some((e) => e.code === 'too_many_tasks') && { tooBig: true }),
      ...(b.errors?.data?.some((e) => e.code === 'token_limit_exceeded') && { queueFull: true }),
      counts: { total: counts.total, succeeded: counts.completed, failed: counts.failed },
      createdAt: b.created_at * 1000,
      ...(typeof b.metadata?.[LABEL_KEY] === 'string' && { label: b.metadata[LABEL_KEY] }),
    };
  };

  const fileName = (label: string) => `${label}.jsonl`;

  async function upload(label: string, lines: string[], signal: AbortSignal): Promise<string> {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([lines.join('\n') + '\n'], { type: 'application/jsonl' }), fileName(label));
    try {
      return (await http.form<FileObject>('/files', form, signal)).id;
    } catch (err) {
      if (err instanceof ProviderError && (err.status === 400 || err.status === 413) && /too large|exceed/i.test(err.message)) {
        throw new BatchTooLargeError(err.message);
      }
      throw err;
    }
  }

  /** Pages through a list, newest first, until `stop` says the rest is older than wanted. */
  async function* pages<T extends { id: string }>(path: string, signal: AbortSignal): AsyncIterable<T> {
    let after: string | undefined;
    for (;;) {
      const page = await http.json<{ data: T[]; has_more: boolean }>('GET', `${path}${path.includes('?') ? '&' : '?'}limit=100${after ? `&after=${after}` : ''}`, undefined, signal);
      yield* page.data;
      if (!page.has_more || page.data.length === 0) return;
      after = page.data[page.data.length - 1].id;
    }
  }

  return {
    vendor: 'OpenAI',
    maxRequests: 50_000,
    maxBytes: 200_000_000,
    line: (customId, body) => JSON.stringify({ custom_id: customId, method: 'POST', url, body }),
    async create(label, lines, signal, known, onUploaded) {
      const fileId = known.fileId ?? (await upload(label, lines, signal));
      if (known.fileId === undefined) await onUploaded(fileId);
      const body = { input_file_id: fileId, endpoint: url, completion_window: '24h', metadata: { [LABEL_KEY]: label } };
      return remote(await http.json<Batch>('POST', '/batches', body, signal));
    },
    async find(label, since, _count, _claimed, signal) {
      for await (const b of pages<Batch>('/batches', signal)) {
        if (b.metadata?.[LABEL_KEY] === label) return remote(b);
        if (b.created_at * 1000 < since) return undefined;
      }
      return undefined;
    },
    async findFile(label, signal) {
      for await (const f of pages<FileObject>('/files?purpose=batch', signal)) if (f.filename === fileName(label)) return f.id;
      return undefined;
    },
    get: async (id, signal) => remote(await http.json<Batch>('GET', `/batches/${id}`, undefined, signal)),
    async *results(id, signal) {
      const b = await http.json<Batch>('GET', `/batches/${id}`, undefined, signal);
      for (const fileId of [b.output_file_id, b.error_file_id]) {
        if (!fileId) continue;
        for await (const line of http.jsonLines(`/files/${fileId}/content`, signal)) yield resultOf(line as OutputLine, ctx.endpoint, parse);
      }
    },
    cancel: async (id, signal) => remote(await http.json<Batch>('POST', `/batches/${id}/cancel`, undefined, signal)),
    close: async () => undefined,
  };
}

/** One embedding's response as the embedding cache stores it (embedding-cache.ts). */
function embeddingResult(body: unknown, endpoint: string): ChatResult {
  const { vectors, usage } = parseEmbeddings(body, 1, endpoint);
  return { text: float32ToBase64(vectors[0]), finishReason: EMBEDDING_MARK, usage };
}

function resultOf(line: OutputLine, endpoint: string, parse: (body: never, endpoint: string) => ChatResult): BatchResultLine {
  const customId = line.custom_id;
  const response = line.response;
  if (response && response.status_code >= 200 && response.status_code < 300) {
    try {
      return { customId, ok: true, result: parse(response.body as never, endpoint) };
    } catch (err) {
      return { customId, ok: false, error: (err as Error).message };
    }
  }
  if (line.error) return { customId, ok: false, error: `${line.error.code ?? 'error'}: ${line.error.message ?? ''}`.trim() };
  const body = response?.body as { error?: { message?: string } } | undefined;
  return { customId, ok: false, error: `${response?.status_code ?? 'no status'}: ${body?.error?.message ?? 'no answer'}` };
}
