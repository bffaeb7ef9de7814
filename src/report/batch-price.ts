/** The price of batch mode: OpenAI's Batch API and Anthropic's Message Batches both bill half the realtime price. */
import type { Pricing } from './price-table.js';

/** Both vendors' batch discount (OpenAI and Anthropic pricing pages: 50% off input and output). */
export const BATCH_DISCOUNT = 0.5;

/** The realtime price with the batch discount applied, its source saying so. */
export function batchPricing(pricing: Pricing | undefined): Pricing | undefined {
  if (pricing === undefined) return undefined;
  return {
    input: pricing.input * (1 - BATCH_DISCOUNT),
    output: pricing.output * (1 - BATCH_DISCOUNT),
    source: `${pricing.source}, batch discount ${BATCH_DISCOUNT * 100}%`,
  };
}
