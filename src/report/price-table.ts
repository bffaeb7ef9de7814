/**
 * Built-in list prices of common models, in US dollars per million tokens, for the cost in the
 * summary, the report, --dry-run and --max-cost when the profile states no "price" (a profile's
 * "price" always wins: negotiated rates, batch pricing, a proxy's markup).
 *
 * Standard (non-batch, non-cached-input) text prices from the vendors' public pricing pages, as of
 * PRICES_AS_OF. Anthropic's Sonnet 4 / 4.5 charge more above 200K input tokens; the table holds the
 * base rate. Prices change: update the figures and the date together.
 */

/** The date the figures below were last checked. */
export const PRICES_AS_OF = '2025-11-01';

/** US dollars per million input and output tokens. */
export interface Price {
  input: number;
  output: number;
}

/** A price and where it came from, as the summary and the report state it. */
export interface Pricing extends Price {
  /** "profile", "built-in table (as of DATE)" or "local server". */
  source: string;
}

// Model id → [input, output]. A dated snapshot (gpt-4o-mini-2024-07-18, claude-sonnet-4-20250514)
// or a -latest alias is priced as its family unless listed itself.
const TABLE: Readonly<Record<string, readonly [number, number]>> = {
  // OpenAI
  'gpt-5': [1.25, 10],
  'gpt-5-chat-latest': [1.25, 10],
  'gpt-5-mini': [0.25, 2],
  'gpt-5-nano': [0.05, 0.4],
  'gpt-5-pro': [15, 120],
  'gpt-4.1': [2, 8],
  'gpt-4.1-mini': [0.4, 1.6],
  'gpt-4.1-nano': [0.1, 0.4],
  'gpt-4o': [2.5, 10],
  // The first gpt-4o snapshot kept its launch price.
  'gpt-4o-2024-05-13': [5, 15],
  'chatgpt-4o-latest': [5, 15],
  'gpt-4o-mini': [0.15, 0.6],
  'gpt-4-turbo': [10, 30],
  'gpt-4': [30, 60],
  'gpt-3.5-turbo': [0.5, 1.5],
  o1: [15, 60],
  'o1-mini': [1.1, 4.4],
  'o1-pro': [150, 600],
  o3: [2, 8],
  'o3-mini': [1.1, 4.4],
  'o3-pro': [20, 80],
  'o4-mini': [1.1, 4.4],
  // Embeddings have no output tokens.
  'text-embedding-3-small': [0.02, 0],
  'text-embedding-3-large': [0.13, 0],
  'text-embedding-ada-002': [0.1, 0],
  // Anthropic
  'claude-opus-4-1': [15, 75],
  'claude-opus-4': [15, 75],
  'claude-opus-4-0': [15, 75],
  'claude-sonnet-4-5': [3, 15],
  'claude-sonnet-4': [3, 15],
  'claude-sonnet-4-0': [3, 15],
  'claude-haiku-4-5': [1, 5],
  'claude-3-7-sonnet': [3, 15],
  'claude-3-5-sonnet': [3, 15],
  'claude-3-5-haiku': [0.8, 4],
  'claude-3-opus': [15, 75],
  'claude-3-haiku': [0.25, 1.25],
};

// Presets whose servers run on the user's own machine: nothing is billed.
const LOCAL_PRESETS = new Set(['ollama', 'vllm', 'llamacpp']);

// What may follow a family id: a dated snapshot (2024-07-18 or 20250514) or the -latest alias.
const SNAPSHOT = /^-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/** The source text of the built-in table's prices. */
export const BUILT_IN_SOURCE = `built-in table (as of ${PRICES_AS_OF})`;

/** The built-in price of `model`, or undefined when the table does not know it. */
export function builtInPrice(model: string): Price | undefined {
  const exact = TABLE[model];
  if (exact) return { input: exact[0], output: exact[1] };
  // Longest family first, so gpt-4o-mini-2024-07-18 is never priced as gpt-4o.
  let best: string | undefined;
  for (const id of Object.keys(TABLE)) {
    if (model.startsWith(id) && SNAPSHOT.test(model.slice(id.length)) && (best === undefined || id.length > best.length)) {
      best = id;
    }
  }
  if (best === undefined) return undefined;
  const [input, output] = TABLE[best];
  return { input, output };
}

/**
 * The price a run uses: the profile's, else free for a local preset, else the built-in table's;
 * undefined when none is known.
 */
export function resolvePricing(opts: { profilePrice?: Price; providerName: string; model: string }): Pricing | undefined {
  if (opts.profilePrice) return { ...opts.profilePrice, source: 'profile' };
  if (LOCAL_PRESETS.has(opts.providerName)) return { input: 0, output: 0, source: 'local server' };
  const price = builtInPrice(opts.model);
  return price && { ...price, source: BUILT_IN_SOURCE };
}

/** US dollars for `input` and `output` tokens at `price`, rounded to the micro-dollar (float noise would show in JSON). */
export function costOf(price: Price, input: number, output: number): number {
  return Math.round(input * price.input + output * price.output) / 1e6;
}
