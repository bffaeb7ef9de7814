/**
 * Builds the provider for a run. Adapters are loaded with dynamic import() so that commands which
 * call no model (`llmap --help`) never load the SDKs or undici.
 */
import { UsageError } from '../errors.js';
import { checkModelParams } from './model-params.js';
import type { Provider, ProviderConfig, ProviderKind } from './provider.js';

/** A provider config plus the name of the variable the key came from (named in auth errors). */
export type ProviderOptions = ProviderConfig & { apiKeyEnv?: string };

const registry: Record<ProviderKind, (config: ProviderOptions) => Promise<Provider>> = {
  openai: async (config) => (await import('./openai.js')).createOpenAIProvider(config, config.apiKeyEnv),
  anthropic: async (config) => (await import('./anthropic.js')).createAnthropicProvider(config, config.apiKeyEnv),
  echo: async (config) => (await import('./echo.js')).createEchoProvider(config),
};

/** Creates the provider of `config.kind`: one client and one connection pool. */
export async function createProvider(config: ProviderOptions): Promise<Provider> {
  const create = registry[config.kind];
  if (create === undefined) {
    throw new UsageError(`unknown provider '${config.kind}'; providers are: ${Object.keys(registry).join(', ')}`);
  }
  checkModelParams(config);
  return create(config);
}

/** The environment variable a provider's key is read from by default. */
export function defaultApiKeyEnv(kind: ProviderKind): string | undefined {
  if (kind === 'openai') return 'OPENAI_API_KEY';
  if (kind === 'anthropic') return 'ANTHROPIC_API_KEY';
  return undefined;
}
