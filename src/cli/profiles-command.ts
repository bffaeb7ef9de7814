/**
 * `llmap profiles list` shows the profiles of the profiles file (no secrets: key variables and
 * whether they are set); `llmap profiles test [NAME]` makes one tiny call with a profile.
 */
import type { Command } from 'commander';
import { resolveApiKey } from '../config/api-key.js';
import { applyPreset, presetEndpoint } from '../config/apply-preset.js';
import { mergeProfile } from '../config/merge-profile.js';
import { parseDuration } from '../config/parse-values.js';
import { loadProfiles, namesText, profileFileCandidates, selectProfile, type LoadedProfiles, type Profile } from '../config/profiles.js';
import { UsageError, describeError } from '../errors.js';
import { createProvider, type ProviderOptions } from '../providers/factory.js';
import type { GenerationParams, ProviderKind } from '../providers/provider.js';
import type { CliContext } from './context.js';
import { keyText, urlText } from './endpoint-text.js';
import { EXIT } from './exit-codes.js';
import { formatTable } from './text-table.js';

/** Options of both subcommands. */
export interface ProfilesOptions {
  /** --config: the profiles file to read instead of looking for one. */
  config?: string;
}

/** What the commands take from outside, injectable for tests. */
export interface ProfilesDeps {
  /** The working folder, where llmap.config.json is looked for. */
  cwd: string;
  /** Clock for the latency of `profiles test`, in ms. */
  now?: () => number;
}

/** The prompt of `profiles test`: short, and answered the same by every chat model. */
export const TEST_PROMPT = 'Say OK';
const TEST_TIMEOUT_MS = 30_000;

/** Writes the profiles table to stdout; returns the exit code. */
export async function profilesListCommand(opts: ProfilesOptions, cli: Pick<CliContext, 'env' | 'stdout' | 'stderr'>, deps: ProfilesDeps): Promise<number> {
  const loaded = await loadProfiles({ configPath: opts.config, cwd: deps.cwd, env: cli.env });
  if (loaded === undefined) {
    const looked = profileFileCandidates(deps.cwd, cli.env).map((c) => c.path);
    cli.stderr.write(`llmap: no profiles file; looked for ${looked.join(' and ')}\n`);
    return EXIT.ok;
  }
  if (loaded.profiles.size === 0) {
    cli.stderr.write(`llmap: ${loaded.file} has no profiles\n`);
    return EXIT.ok;
  }
  const rows = [['', 'name', 'provider', 'model', 'base URL', 'key variable', 'key', 'concurrency', 'price $/1M in/out']];
  for (const profile of loaded.profiles.values()) {
    const endpoint = presetEndpoint(endpointOptions(profile), cli.env);
    rows.push([
      profile.name === loaded.defaultName ? '*' : '',
      profile.name,
      profile.provider ?? 'openai',
      profile.model ?? '-',
      urlText(endpoint),
      endpoint.keyEnv ?? '-',
      keyText(endpoint, cli.env),
      profile.concurrency === undefined ? '-' : String(profile.concurrency),
      profile.price === undefined ? '-' : `${profile.price.input} / ${profile.price.output}`,
    ]);
  }
  const marked = loaded.defaultName !== undefined;
  cli.stdout.write(formatTable(marked ? rows : rows.map((row) => row.slice(1))));
  cli.stdout.write(`(from ${loaded.file}${marked ? '; * = default' : ''})\n`);
  return EXIT.ok;
}

/** Sends one tiny request with a profile and prints one line: ok or the error, latency, model. */
export async function profilesTestCommand(
  name: string | undefined,
  opts: ProfilesOptions,
  cli: Pick<CliContext, 'env' | 'stdout' | 'stderr'>,
  deps: ProfilesDeps,
): Promise<number> {
  const loaded = await loadProfiles({ configPath: opts.config, cwd: deps.cwd, env: cli.env });
  const profile = selectProfile(loaded, name) ?? noProfileToTest(loaded);
  const options = providerOptions(profile, loaded!, cli.env);
  const now = deps.now ?? (() => performance.now());
  const provider = await createProvider(options);
  const label = `profile ${profile.name} (${profile.provider ?? 'openai'}, model ${options.model})`;
  const started = now();
  try {
    const result = await provider.complete({ prompt: TEST_PROMPT }, new AbortController().signal);
    const ms = Math.round(now() - started);
    cli.stdout.write(`${label}: ok in ${ms} ms: ${JSON.stringify(shorten(result.text.trim()))}\n`);
    return EXIT.ok;
  } catch (err) {
    const ms = Math.round(now() - started);
    cli.stderr.write(`${label}: error after ${ms} ms: ${describeError(err)}\n`);
    return EXIT.fatal;
  } finally {
    await provider.close();
  }
}

/**
 * Adds `llmap profiles list|test` to the program. `setExitCode` receives the exit code, as for run;
 * `cwd` is where llmap.config.json is looked for.
 */
export function registerProfilesCommand(
  program: Command,
  cli: CliContext,
  setExitCode: (code: number) => void,
  cwd: () => string = () => process.cwd(),
): void {
  const profiles = program.command('profiles').description('list or test the profiles of llmap.config.json (or ~/.config/llmap/config.json)');
  profiles
    .command('list')
    .description('show each profile: provider, model, endpoint, key variable and whether it is set, concurrency, price')
    .option('--config <path>', 'profiles file to read (default ./llmap.config.json, else $XDG_CONFIG_HOME/llmap/config.json)')
    .action(async (opts: ProfilesOptions) => setExitCode(await profilesListCommand(opts, cli, { cwd: cwd() })));
  profiles
    .command('test')
    .description(`send "${TEST_PROMPT}" once with a profile (default: the file's default) and print ok or the error`)
    .argument('[name]', 'profile to test')
    .option('--config <path>', 'profiles file to read (default ./llmap.config.json, else $XDG_CONFIG_HOME/llmap/config.json)')
    .action(async (name: string | undefined, opts: ProfilesOptions) => setExitCode(await profilesTestCommand(name, opts, cli, { cwd: cwd() })));
}

function noProfileToTest(loaded: LoadedProfiles | undefined): never {
  if (loaded === undefined) {
    throw new UsageError('no profiles file: create llmap.config.json here or ~/.config/llmap/config.json, or name one with --config');
  }
  throw new UsageError(`say which profile to test (${namesText(loaded.profiles)}), or set "default" in ${loaded.file}`);
}

/** The profile's endpoint fields as --provider / --base-url / --api-key-env would give them. */
function endpointOptions(profile: Profile) {
  return { provider: profile.provider, model: profile.model, baseUrl: profile.baseURL, apiKeyEnv: profile.apiKeyEnv };
}

/** Options for createProvider, plus the preset's header and query (passed on once the adapter takes them). */
function providerOptions(profile: Profile, loaded: LoadedProfiles, env: NodeJS.ProcessEnv): ProviderOptions {
  const where = `profile ${profile.name} in ${loaded.file}`;
  const merged = applyPreset(mergeProfile({}, profile) as { provider?: string; model?: string; baseUrl?: string; apiKeyEnv?: string }, env);
  const kind: ProviderKind = merged.provider;
  const model = merged.model ?? (kind === 'echo' ? 'echo' : undefined);
  if (model === undefined) throw new UsageError(`${where} has no "model"; add one to test it`);
  // A profile's own "apiKeyEnv" is named here so the message points at the file, not at a flag.
  if (profile.apiKeyEnv !== undefined && !env[profile.apiKeyEnv]) {
    throw new UsageError(`missing API key: environment variable ${profile.apiKeyEnv} (named by "apiKeyEnv" of ${where}) is not set`);
  }
  const baseURL = merged.baseUrl?.replace(/\/+$/, '');
  const key = resolveApiKey(kind, { apiKeyEnv: merged.apiKeyEnv, baseURL }, env);
  const params: GenerationParams = {};
  if (profile.temperature !== undefined) params.temperature = profile.temperature;
  if (profile.maxTokens !== undefined) params.maxTokens = profile.maxTokens;
  else if (kind === 'anthropic') params.maxTokens = 1024; // the Messages API requires one, as in run
  const options = {
    kind,
    model,
    baseURL,
    ...key,
    params,
    concurrency: 1,
    timeoutMs: profile.timeout === undefined ? TEST_TIMEOUT_MS : parseDuration(`"timeout" of ${where}`, String(profile.timeout)),
    headers: profile.headers,
    query: merged.query,
    keyHeader: merged.keyHeader,
  };
  return options;
}

function shorten(text: string): string {
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}
