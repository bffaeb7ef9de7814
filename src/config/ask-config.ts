/**
 * The validated configuration of one `llmap ask`: the shared endpoint, generation and cache
 * settings, with the selected profile filling what the flags leave out. Loading and checking only.
 */
import { defaultCacheDir } from '../cache/default-dir.js';
import { UsageError } from '../errors.js';
import { resolveCallConfig, type CallConfig, type RawCallOptions } from './call-config.js';
import { resolveTypedConfig, type RawTypedOptions, type TypedConfig } from './typed-config.js';
import { loadProfileOptions } from './load-profile-options.js';

/** The options of `llmap ask` as commander hands them over (strings, unvalidated). */
export type RawAskOptions = Pick<
  RawCallOptions,
  | 'provider' | 'model' | 'baseUrl' | 'apiKeyEnv' | 'temperature' | 'maxTokens' | 'system' | 'cacheDir' | 'cache'
  | 'cacheMode' | 'cacheTtl' | 'profile' | 'config' | 'verbose' | 'timeout' | 'retries'
> &
  RawTypedOptions;

/** A validated `llmap ask`. */
export type AskConfig = CallConfig & TypedConfig;

/** The flags with the profile merged in, validated; throws UsageError naming the flag or profile. */
export async function loadAskConfig(raw: RawAskOptions, where: { cwd: string; env: NodeJS.ProcessEnv }): Promise<AskConfig> {
  const merged = await loadProfileOptions(raw as RawCallOptions & RawTypedOptions, where);
  return { ...resolveCallConfig(merged, where.env, () => defaultCacheDir(where.env)), ...resolveTypedConfig(merged) };
}

/**
 * The prompt as typed or piped: one trailing newline of piped text is dropped (as `echo` and
 * editors add it), so `echo hi | llmap ask` asks what `llmap ask hi` asks and shares its cache entry.
 */
export function checkPrompt(text: string, from: 'argument' | 'stdin'): string {
  const prompt = from === 'stdin' ? text.replace(/\r?\n$/, '') : text;
  if (prompt.trim() === '') {
    throw new UsageError(from === 'stdin' ? 'the prompt on stdin is empty' : 'the prompt is empty; say what to ask: llmap ask "PROMPT"');
  }
  return prompt;
}
