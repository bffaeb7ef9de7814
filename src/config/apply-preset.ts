/**
 * Turns a provider name (a preset) into what the adapters understand: an adapter kind, a base URL,
 * the key variable, and for Azure the key header and api-version query.
 */
import { UsageError } from '../errors.js';
import { resolvePreset, type KeyHeader, type Preset } from '../providers/presets.js';
import type { ProviderKind } from '../providers/provider.js';

/** The endpoint options as commander names them (strings). */
export interface EndpointOptions {
  provider?: string;
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
}

/** Where the calls of a preset go, as far as it can be told without failing. */
export interface Endpoint {
  preset: Preset;
  /** Undefined = the adapter's default URL, or (azure) not given yet. */
  baseUrl?: string;
  /** The variable the key is read from; undefined = no key is sent (or the adapter's default applies). */
  keyEnv?: string;
  /** How keyEnv was chosen: named by the user, or the preset's own variable for its own URL. */
  keySource?: 'named' | 'preset';
}

/** The options with the preset applied: `provider` is an adapter kind. */
export type PresetApplied<T> = Omit<T, 'provider' | 'baseUrl' | 'apiKeyEnv'> & {
  provider: ProviderKind;
  /** The preset's URL, the user's, or (azure) the one built from AZURE_OPENAI_ENDPOINT. */
  baseUrl?: string;
  /** The key variable to read; undefined = none (or run-config's default for openai/anthropic). */
  apiKeyEnv?: string;
  /** Header carrying the key, when not the adapter's usual one (azure: 'api-key'). */
  keyHeader?: KeyHeader;
  /** Query parameters for every request (azure: api-version). */
  query?: Record<string, string>;
};

/** Works out the endpoint of `opts.provider` (default openai) without reading any key. */
export function presetEndpoint(opts: EndpointOptions, env: NodeJS.ProcessEnv): Endpoint {
  const preset = resolvePreset(opts.provider ?? 'openai');
  const baseUrl = opts.baseUrl ?? (preset.name === 'azure' ? azureFromEnv(env, opts.model) : preset.baseURL);
  if (opts.apiKeyEnv !== undefined) return { preset, baseUrl, keyEnv: opts.apiKeyEnv, keySource: 'named' };
  if (preset.apiKeyEnv === undefined || !ownURL(preset, opts.baseUrl)) return { preset, baseUrl };
  return { preset, baseUrl, keyEnv: preset.apiKeyEnv, keySource: 'preset' };
}

/**
 * Replaces a preset name in `provider` by its adapter kind and fills in its base URL, key variable,
 * key header and query. The built-in openai, anthropic and echo pass through unchanged (run-config
 * applies their default keys). Throws UsageError when a required key or Azure's endpoint is missing.
 */
export function applyPreset<T extends EndpointOptions>(opts: T, env: NodeJS.ProcessEnv): PresetApplied<T> {
  const endpoint = presetEndpoint(opts, env);
  const { preset } = endpoint;
  if (preset.baseURL === undefined && preset.name !== 'azure') return { ...opts, provider: preset.kind };
  if (endpoint.baseUrl === undefined) {
    const fromEnv = env.AZURE_OPENAI_ENDPOINT;
    if (fromEnv && !validURL(fromEnv)) {
      throw new UsageError(`expected AZURE_OPENAI_ENDPOINT to be a URL such as https://RESOURCE.openai.azure.com, got '${fromEnv}'`);
    }
    if (fromEnv) throw new UsageError('missing --model: with AZURE_OPENAI_ENDPOINT, -m names the Azure deployment');
    throw new UsageError(
      '--provider azure needs the endpoint: --base-url https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT, ' +
        'or set AZURE_OPENAI_ENDPOINT and name the deployment with -m',
    );
  }
  let apiKeyEnv = opts.apiKeyEnv;
  if (endpoint.keySource === 'preset') {
    // The preset's own variable is optional for servers that may run keyless (vLLM).
    if (env[endpoint.keyEnv!]) apiKeyEnv = endpoint.keyEnv;
    else if (preset.keyRequired) {
      throw new UsageError(`missing API key: set ${endpoint.keyEnv} for --provider ${preset.name} (or name another variable with --api-key-env)`);
    }
  }
  const applied: PresetApplied<T> = { ...opts, provider: preset.kind, baseUrl: endpoint.baseUrl, apiKeyEnv };
  if (preset.keyHeader !== undefined) applied.keyHeader = preset.keyHeader;
  if (preset.query !== undefined) applied.query = presetQuery(preset, env);
  return applied;
}

function presetQuery(preset: Preset, env: NodeJS.ProcessEnv): Record<string, string> {
  const query = { ...preset.query };
  // The variable the OpenAI SDK's Azure client reads, so existing Azure setups carry over.
  if (preset.name === 'azure' && env.OPENAI_API_VERSION) query['api-version'] = env.OPENAI_API_VERSION;
  return query;
}

/** Whether the preset's key may go to `userURL`: its own URL, or for Azure an Azure host. */
function ownURL(preset: Preset, userURL: string | undefined): boolean {
  if (userURL === undefined) return true;
  if (preset.name === 'azure') return isAzureHost(userURL);
  return preset.baseURL !== undefined && trimSlash(userURL) === trimSlash(preset.baseURL);
}

function isAzureHost(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return ['.azure.com', '.azure.us', '.azure.cn'].some((suffix) => host.endsWith(suffix));
  } catch {
    return false;
  }
}

/**
 * `$AZURE_OPENAI_ENDPOINT/openai/deployments/MODEL`, the URL shape of Azure's deployment-scoped API;
 * undefined when the variable or the model is missing (applyPreset says which).
 */
function azureFromEnv(env: NodeJS.ProcessEnv, model: string | undefined): string | undefined {
  const endpoint = env.AZURE_OPENAI_ENDPOINT;
  if (!endpoint || !validURL(endpoint) || model === undefined) return undefined;
  return `${trimSlash(endpoint)}/openai/deployments/${encodeURIComponent(model)}`;
}

function validURL(url: string): boolean {
  return /^https?:\/\/[^/]/.test(url);
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
