/**
 * Anthropic's Message Batches: the requests in one POST to `/v1/messages/batches`, polled until
 * `processing_status` is `ended`, results read as JSONL. Limits: 100,000 requests and 256 MB per batch.
 * A batch carries no metadata, so one created before a crash is found by its creation time and size.
 */
import type { MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { ProviderError } from '../../errors.js';
import { callContext } from '../errors.js';
import { ANTHROPIC_VERSION, toResult } from '../anthropic.js';
import type { ProviderConfig } from '../provider.js';
import { parseAnthropicRateLimit } from '../rate-limit-headers.js';
import { BatchTooLargeError, type BatchApi, type BatchResultLine, type RemoteBatch } from './batch-api.js';
import { batchHttp } from './batch-http.js';

/** How much earlier than llmap's own record a server may date a batch (clocks differ). */
const CLOCK_SLACK_MS = 5 * 60_000;

export function createAnthropicBatchApi(config: ProviderConfig, apiKeyEnv?: string): BatchApi {
  const ctx = callContext(config, 'api.anthropic.com', apiKeyEnv, (h) => parseAnthropicRateLimit(h));
  const headers = {
    ...config.headers,
    'anthropic-version': ANTHROPIC_VERSION,
    ...(config.apiKey === undefined ? {} : { 'x-api-key': config.apiKey }),
  };
  const http = batchHttp(config.baseURL ?? 'https://api.anthropic.com', headers, undefined, ctx);
  const path = '/v1/messages/batches';

  const remote = (b: MessageBatch): RemoteBatch => {
    const c = b.request_counts;
    return {
      id: b.id,
      status: b.processing_status,
      ended: b.processing_status === 'ended',
      counts: { total: c.processing + c.succeeded + c.errored + c.canceled + c.expired, succeeded: c.succeeded, failed: c.errored + c.canceled + c.expired },
      createdAt: Date.parse(b.created_at),
    };
  };

  return {
    vendor: 'Anthropic',
    maxRequests: 100_000,
    maxBytes: 256_000_000,
    line: (customId, params) => JSON.stringify({ custom_id: customId, params }),
    async create(_label, lines, signal) {
      // The lines are JSON already: joined by hand, not parsed and encoded again.
      const body = `{"requests":[${lines.join(',')}]}`;
      try {
        return remote(await http.json<MessageBatch>('POST', path, JSON.parse(body), signal));
      } catch (err) {
        if (err instanceof ProviderError && (err.status === 413 || (err.status === 400 && /requests|exceed|too large/i.test(err.message)))) {
          throw new BatchTooLargeError(err.message);
        }
        throw err;
      }
    },
    async find(_label, since, count, claimed, signal) {
      let after: string | undefined;
      for (;;) {
        const page = await http.json<{ data: MessageBatch[]; has_more: boolean }>('GET', `${path}?limit=100${after ? `&after_id=${after}` : ''}`, undefined, signal);
        for (const b of page.data) {
          const r = remote(b);
          if (r.createdAt < since - CLOCK_SLACK_MS) return undefined;
          if (r.createdAt >= since - CLOCK_SLACK_MS && r.counts.total === count && !claimed.has(r.id)) return r;
        }
        if (!page.has_more || page.data.length === 0) return undefined;
        after = page.data[page.data.length - 1].id;
      }
    },
    findFile: async () => undefined,
    get: async (id, signal) => remote(await http.json<MessageBatch>('GET', `${path}/${id}`, undefined, signal)),
    async *results(id, signal) {
      // The documented results path, not the results_url a response names: the key goes only where it always goes.
      for await (const line of http.jsonLines(`${path}/${id}/results`, signal)) yield resultOf(line as MessageBatchIndividualResponse, ctx.endpoint);
    },
    cancel: async (id, signal) => remote(await http.json<MessageBatch>('POST', `${path}/${id}/cancel`, undefined, signal)),
    close: async () => undefined,
  };
}

function resultOf(line: MessageBatchIndividualResponse, endpoint: string): BatchResultLine {
  const customId = line.custom_id;
  const r = line.result;
  if (r.type === 'succeeded') {
    try {
      return { customId, ok: true, result: toResult(r.message, endpoint) };
    } catch (err) {
      return { customId, ok: false, error: (err as Error).message };
    }
  }
  if (r.type === 'errored') return { customId, ok: false, error: `${r.error?.error?.type ?? 'error'}: ${r.error?.error?.message ?? ''}`.trim() };
  return { customId, ok: false, error: r.type === 'expired' ? 'expired: the batch ended before this request ran' : 'canceled: the batch was canceled' };
}
