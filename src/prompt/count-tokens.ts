/**
 * Input tokens of a chat request, for --dry-run. OpenAI models are counted exactly with their own
 * encoding (gpt-tokenizer); other models get an estimate, since their tokenizers are not public
 * (Anthropic) or differ per model (local servers).
 *
 * Chat format overhead, as OpenAI documents it for its chat models: every message costs 3 tokens
 * plus its role (1 token for "system" and "user"), and every request 3 more that prime the reply.
 * The same overhead is added to the estimate, so both read as "what the request is billed".
 */
import type { ChatRequest } from '../providers/provider.js';

/** Counts the input tokens of requests for one model. */
export interface TokenCounter {
  /** How the count is made, for the output: "gpt-tokenizer o200k_base" or the estimate rule. */
  readonly method: string;
  /** Whether `count` is exact (a real tokenizer) rather than an estimate. */
  readonly exact: boolean;
  /** Input tokens of one request, chat overhead included. */
  count(request: ChatRequest): number;
}

/** The encodings of OpenAI's chat and embedding models that gpt-tokenizer ships. */
export type OpenAIEncoding = 'o200k_base' | 'cl100k_base';

const PER_MESSAGE = 4; // 3 framing tokens + 1 for the role
const PER_REQUEST = 3; // <|start|>assistant<|message|>

/** The estimate's rule, stated in the output next to the number. */
export const ESTIMATE_METHOD = 'estimate: characters / 4, rounded up';

/** The encoding OpenAI uses for `model`, or undefined for a model that is not OpenAI's. */
export function openAIEncoding(model: string): OpenAIEncoding | undefined {
  // gpt-4o, gpt-4.1, gpt-4.5, gpt-5, the o-series and gpt-oss use o200k; gpt-4, gpt-3.5 and the
  // embeddings before them use cl100k (tiktoken's model table).
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|gpt-oss|o\d)(\b|-|$)/.test(model)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)(\b|-|$)/.test(model)) return 'cl100k_base';
  return undefined;
}

/**
 * The counter for `model`. The tokenizer is imported only here, on first use: its tables take
 * about half a second to load, which a plain run must not pay.
 */
export async function loadTokenCounter(model: string): Promise<TokenCounter> {
  const encoding = openAIEncoding(model);
  if (encoding === undefined) return estimateCounter();
  const { countTokens } =
    encoding === 'o200k_base'
      ? await import('gpt-tokenizer/encoding/o200k_base')
      : await import('gpt-tokenizer/encoding/cl100k_base');
  return {
    method: `gpt-tokenizer ${encoding}`,
    exact: true,
    count: (request) => withOverhead(request, countTokens),
  };
}

/** The estimate for models without a public tokenizer: about 4 characters per token in English. */
export function estimateCounter(): TokenCounter {
  return { method: ESTIMATE_METHOD, exact: false, count: (request) => withOverhead(request, (text) => Math.ceil(text.length / 4)) };
}

function withOverhead(request: ChatRequest, count: (text: string) => number): number {
  let tokens = PER_REQUEST + PER_MESSAGE + count(request.prompt);
  if (request.system !== undefined) tokens += PER_MESSAGE + count(request.system);
  return tokens;
}
