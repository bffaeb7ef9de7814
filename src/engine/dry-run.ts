/**
 * --dry-run: what a run would send, without sending it. Renders every prompt, looks each one up in
 * the cache under the key the run would use, and counts the input tokens of the requests left.
 * Streams the input; memory grows only by one small number per distinct prompt to send.
 */
import { pMapIterable } from 'p-map';
import type { ResponseCache } from '../cache/cache.js';
import type { Row } from '../io/table.js';
import type { RenderRow } from '../prompt/template.js';
import type { ChatRequest } from '../providers/provider.js';

/** What the rows of a dry run come to. */
export interface DryRunCounts {
  /** Input rows read. */
  rows: number;
  /** Rows with an empty prompt: never sent. */
  skipped: number;
  /** Rows answered from the cache, or by an identical prompt earlier in the input. */
  cacheHits: number;
  /** Requests the run would send (one per distinct prompt the cache does not have). */
  requests: number;
  /** Input tokens of those requests. */
  inputTokens: number;
}

/** What a dry run needs: the same render, system message, cache and key as the run. */
export interface DryRunOptions {
  render: RenderRow;
  system?: string;
  cache: ResponseCache;
  cacheKey: (request: ChatRequest) => string;
  /** Input tokens of one request. */
  countTokens: (request: ChatRequest) => number;
  /**
   * Whether a repeat of an earlier prompt is answered without a request: true when the cache serves
   * answers (modes rw and read). Without that (--no-cache, write, refresh) the run sends a repeat
   * again unless the first is still in flight, so the dry run counts it as a request: an upper bound.
   */
  repeatsAreHits: boolean;
  /** Cache lookups in flight at once (a remote store answers faster in parallel). */
  lookups?: number;
  /** Told each request the run would send (batch mode packs them into batches). */
  onSend?: (request: ChatRequest) => void;
}

/** Counts what a run over `rows` would send. */
export async function dryRun(rows: AsyncIterable<Row>, opts: DryRunOptions): Promise<DryRunCounts> {
  const counts: DryRunCounts = { rows: 0, skipped: 0, cacheHits: 0, requests: 0, inputTokens: 0 };
  // The keys seen so far, as the first 52 bits of their hash: a number per prompt instead of a
  // 67-character string. Two distinct prompts share one only with a chance of about n² / 2^53
  // (1 in 10,000 at a million distinct prompts), and then one request is missed from the count.
  const seen = new Set<number>();
  const lookups = opts.lookups ?? 16;

  // Whether a prompt repeats an earlier one is decided here, in input order; only the cache
  // lookups of first occurrences run concurrently.
  async function* firstOccurrences(): AsyncIterable<{ key: string; request: ChatRequest }> {
    for await (const row of rows) {
      counts.rows++;
      const prompt = opts.render(row);
      if (prompt.trim() === '') {
        counts.skipped++;
        continue;
      }
      const request: ChatRequest = opts.system === undefined ? { prompt } : { system: opts.system, prompt };
      const key = opts.cacheKey(request);
      if (opts.repeatsAreHits) {
        const id = shortId(key);
        if (seen.has(id)) {
          counts.cacheHits++;
          continue;
        }
        seen.add(id);
      }
      yield { key, request };
    }
  }

  const lookup = async ({ key, request }: { key: string; request: ChatRequest }): Promise<void> => {
    if (await opts.cache.get(key)) {
      counts.cacheHits++;
      return;
    }
    counts.requests++;
    counts.inputTokens += opts.countTokens(request);
    opts.onSend?.(request);
  };

  for await (const _ of pMapIterable(firstOccurrences(), lookup, { concurrency: lookups, backpressure: lookups })) {
    // Drained for the counts.
  }
  return counts;
}

/** The first 52 bits of a key's hash (`v1:<hex>`), exact in a double. */
function shortId(key: string): number {
  const hex = key.slice(key.indexOf(':') + 1);
  return parseInt(hex.slice(0, 13), 16);
}
