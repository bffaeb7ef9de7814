/**
 * Generation parameters as each model takes them. OpenAI's reasoning models (o1, o3, o4, gpt-5)
 * reject `max_tokens` (they take `max_completion_tokens`, which counts the hidden reasoning
 * tokens too) and any temperature but the default 1: sent as for other models, every row would
 * fail with a 400. Servers that only copy OpenAI's API (Ollama, vLLM, OpenRouter, ...) keep the
 * fields they accept, whatever the model is called.
 */
import { UsageError } from '../errors.js';
import type { ProviderConfig } from './provider.js';

/** o1, o1-mini, o3-mini, o4-mini, gpt-5, gpt-5-mini, gpt-5.1, ... but not gpt-5-chat-latest. */
const REASONING = /^(o[134](-.*)?|gpt-5(?!.*-chat)(\b.*)?)$/;

/** Whether `config` calls an OpenAI reasoning model on OpenAI's own API (or Azure's). */
export function isOpenAIReasoning(config: Pick<ProviderConfig, 'kind' | 'model' | 'baseURL'>): boolean {
  return config.kind === 'openai' && REASONING.test(config.model) && servedByOpenAI(config.baseURL);
}

function servedByOpenAI(baseURL: string | undefined): boolean {
  if (baseURL === undefined) return true;
  try {
    const host = new URL(baseURL).hostname;
    return host === 'api.openai.com' || host.endsWith('.openai.azure.com');
  } catch {
    return false;
  }
}

/** Throws a UsageError, before any call, for parameters the model would reject on every row. */
export function checkModelParams(config: ProviderConfig): void {
  const t = config.params.temperature;
  if (t !== undefined && t !== 1 && isOpenAIReasoning(config)) {
    throw new UsageError(
      `OpenAI's reasoning model '${config.model}' takes no temperature but the default 1, got ${t}; drop --temperature (or the profile's temperature)`,
    );
  }
}

/** The field that caps the answer's length in a chat completions body for `config`'s model. */
export function maxTokensField(config: ProviderConfig): 'max_tokens' | 'max_completion_tokens' {
  return isOpenAIReasoning(config) ? 'max_completion_tokens' : 'max_tokens';
}
