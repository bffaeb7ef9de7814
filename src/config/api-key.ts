/**
 * Where a provider's API key comes from. Keys are read from the environment only, by variable
 * name, and never echoed back: messages name the variable, not the value.
 */
import { UsageError } from '../errors.js';
import { defaultApiKeyEnv } from '../providers/factory.js';
import type { ProviderKind } from '../providers/provider.js';

/** The resolved key and the variable it came from (for messages). */
export interface ResolvedKey {
  apiKey?: string;
  apiKeyEnv?: string;
}

/**
 * Picks the key. A custom --base-url does not receive the vendor's default key unless
 * --api-key-env names it: a third-party or local server must not be sent your OpenAI key by accident
 * (the reasoning simonw/llm follows for OpenAI-compatible endpoints).
 */
export function resolveApiKey(
  kind: ProviderKind,
  opts: { apiKeyEnv?: string; baseURL?: string },
  env: NodeJS.ProcessEnv,
): ResolvedKey {
  if (kind === 'echo') return {};
  if (opts.apiKeyEnv !== undefined) {
    const apiKey = env[opts.apiKeyEnv];
    if (!apiKey) {
      throw new UsageError(`missing API key: environment variable ${opts.apiKeyEnv} (named by --api-key-env) is not set`);
    }
    return { apiKey, apiKeyEnv: opts.apiKeyEnv };
  }
  if (opts.baseURL !== undefined) return {};
  const name = defaultApiKeyEnv(kind)!;
  const apiKey = env[name];
  if (!apiKey) {
    throw new UsageError(
      `missing API key: set ${name} for --provider ${kind} (or name another variable with --api-key-env)`,
    );
  }
  return { apiKey, apiKeyEnv: name };
}
