/**
 * Named endpoints as data: the built-in kinds and the OpenAI-compatible services llmap knows by name.
 * A preset's key variable is sent to the preset's own base URL (our data, not a URL the user typed);
 * a user's --base-url never receives it unless named with --api-key-env.
 */
import { UsageError } from '../errors.js';
import type { ProviderKind } from './provider.js';

/** Which request header carries the API key. */
export type KeyHeader = 'authorization' | 'api-key' | 'x-api-key';

/** One named endpoint. */
export interface Preset {
  /** The name given to --provider or a profile's "provider". */
  name: string;
  /** The adapter that speaks its wire format. */
  kind: ProviderKind;
  /** Base URL; undefined = the adapter's default (openai, anthropic) or supplied by the user (azure). */
  baseURL?: string;
  /** Environment variable the key is read from. */
  apiKeyEnv?: string;
  /** Whether a call without the key is pointless (true) or the server may run keyless (false). */
  keyRequired: boolean;
  /** Header carrying the key; undefined = the adapter's usual one. */
  keyHeader?: KeyHeader;
  /** Query parameters sent with every request. */
  query?: Record<string, string>;
  /** One line for `llmap providers`. */
  description: string;
}

/** Azure's GA data-plane API version; OPENAI_API_VERSION overrides it, as in the OpenAI SDK's Azure client. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

const PRESETS: readonly Preset[] = [
  { name: 'openai', kind: 'openai', apiKeyEnv: 'OPENAI_API_KEY', keyRequired: true, description: 'OpenAI' },
  {
    name: 'anthropic',
    kind: 'anthropic',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    keyRequired: true,
    keyHeader: 'x-api-key',
    description: 'Anthropic',
  },
  { name: 'echo', kind: 'echo', keyRequired: false, description: 'answers with the prompt; no network' },
  { name: 'ollama', kind: 'openai', baseURL: 'http://127.0.0.1:11434/v1', keyRequired: false, description: 'Ollama, local' },
  {
    name: 'vllm',
    kind: 'openai',
    baseURL: 'http://127.0.0.1:8000/v1',
    apiKeyEnv: 'VLLM_API_KEY',
    keyRequired: false,
    description: 'vLLM, local (a key only if the server was started with one)',
  },
  { name: 'llamacpp', kind: 'openai', baseURL: 'http://127.0.0.1:8080/v1', keyRequired: false, description: 'llama.cpp server, local' },
  {
    name: 'openrouter',
    kind: 'openai',
    baseURL: 'https://openrouter.ai/api/v1',
    apiKeyEnv: 'OPENROUTER_API_KEY',
    keyRequired: true,
    description: 'OpenRouter',
  },
  { name: 'groq', kind: 'openai', baseURL: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_API_KEY', keyRequired: true, description: 'Groq' },
  {
    name: 'together',
    kind: 'openai',
    baseURL: 'https://api.together.xyz/v1',
    apiKeyEnv: 'TOGETHER_API_KEY',
    keyRequired: true,
    description: 'Together AI',
  },
  {
    name: 'deepseek',
    kind: 'openai',
    baseURL: 'https://api.deepseek.com/v1',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    keyRequired: true,
    description: 'DeepSeek',
  },
  { name: 'mistral', kind: 'openai', baseURL: 'https://api.mistral.ai/v1', apiKeyEnv: 'MISTRAL_API_KEY', keyRequired: true, description: 'Mistral AI' },
  {
    name: 'gemini',
    kind: 'openai',
    baseURL: 'https://generativelanguage.googleapis.com/v1beta/openai',
    apiKeyEnv: 'GEMINI_API_KEY',
    keyRequired: true,
    description: 'Google Gemini',
  },
  {
    name: 'azure',
    kind: 'openai',
    apiKeyEnv: 'AZURE_OPENAI_API_KEY',
    keyRequired: true,
    keyHeader: 'api-key',
    query: { 'api-version': AZURE_DEFAULT_API_VERSION },
    description: 'Azure OpenAI; with AZURE_OPENAI_ENDPOINT, -m names the deployment',
  },
];

/** Every preset, in the order `llmap providers` shows them. */
export function listPresets(): readonly Preset[] {
  return PRESETS;
}

/** The names accepted by --provider and a profile's "provider". */
export function presetNames(): string[] {
  return PRESETS.map((p) => p.name);
}

/** The preset called `name`; a UsageError listing the names when there is none. */
export function resolvePreset(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name);
  if (preset === undefined) {
    throw new UsageError(`unknown provider '${name}'; providers are: ${presetNames().join(', ')}`);
  }
  return preset;
}
