/** Builds the batch endpoint of a run, or says before anything is sent that the provider has none. */
import { UsageError } from '../../errors.js';
import type { ProviderOptions } from '../factory.js';
import type { BatchApi } from './batch-api.js';

/** Providers whose batch endpoint llmap speaks; an OpenAI-compatible --base-url is taken at its word. */
const WITH_BATCH = ['openai', 'anthropic'];

/** Throws the one-line error for a provider without a batch endpoint. */
export function checkBatchSupport(providerName: string): void {
  if (WITH_BATCH.includes(providerName)) return;
  throw new UsageError(
    `--mode batch: provider '${providerName}' has no batch endpoint llmap can use; ` +
      `batch mode works with ${WITH_BATCH.join(' and ')} (or a --base-url server speaking OpenAI's Files and Batches API); use --mode realtime`,
  );
}

/** The batch endpoint for chat, or (`embeddings`) for OpenAI-wire embeddings. */
export async function createBatchApi(config: ProviderOptions, embeddings = false): Promise<BatchApi> {
  if (config.kind === 'openai') return (await import('./openai-batch.js')).createOpenAIBatchApi(config, config.apiKeyEnv, embeddings);
  if (config.kind === 'anthropic') return (await import('./anthropic-batch.js')).createAnthropicBatchApi(config, config.apiKeyEnv);
  throw new UsageError(`--mode batch: provider '${config.kind}' has no batch endpoint`);
}
