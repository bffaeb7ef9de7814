/**
 * Builds the streamer for `llmap ask`. Adapters are loaded with dynamic import() so that only the
 * SDK of the provider in use is loaded, and only by the command that streams.
 */
import { UsageError } from '../errors.js';
import { checkModelParams } from './model-params.js';
import type { ProviderOptions } from './factory.js';
import type { ChatStreamer, ProviderKind } from './provider.js';

const registry: Record<ProviderKind, (config: ProviderOptions) => Promise<ChatStreamer>> = {
  openai: async (config) => (await import('./openai-stream.js')).createOpenAIStreamer(config, config.apiKeyEnv),
  anthropic: async (config) => (await import('./anthropic-stream.js')).createAnthropicStreamer(config, config.apiKeyEnv),
  echo: async (config) => (await import('./echo-stream.js')).createEchoStreamer(config),
};

/** Creates the streamer of `config.kind`. */
export async function createStreamer(config: ProviderOptions): Promise<ChatStreamer> {
  const create = registry[config.kind];
  if (create === undefined) {
    throw new UsageError(`unknown provider '${config.kind}'; providers are: ${Object.keys(registry).join(', ')}`);
  }
  checkModelParams(config);
  return create(config);
}
