/**
 * The commander options shared by the commands that call a model (`run`, `embed`, `ask`), declared
 * once so their names, help and defaults cannot drift apart.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/** The typed-answer options of `run` and `ask` (README "Typed answers"). */
export function addSchemaOptions(cmd: Command): Command {
  return cmd
    .option('--schema <file.json|json>', 'answer in JSON matching this JSON Schema of an object (a file, or inline JSON); each property becomes a typed column')
    .option('--fields <spec>', "the schema in short: 'sentiment: enum(positive, negative); score: number; topics: list[string]'")
    .option('--schema-mode <mode>', 'auto (default), native (the provider\'s structured output) or prompt (the schema in the system message)')
    .option('--schema-retries <n>', 'ask again this many times after an invalid answer, quoting the error (default 2)');
}

/** What a command calls: chat (run, ask: every provider) or embeddings (embed: no Anthropic, which has no embeddings endpoint). */
export type EndpointUse = 'chat' | 'embeddings';

/** --profile, --config, the provider, model, endpoint and key, timeout and retries; the help lists only the providers `use` accepts. */
export function addEndpointOptions(cmd: Command, use: EndpointUse = 'chat'): Command {
  const chat = use === 'chat';
  return cmd
    .option('--profile <name>', 'settings from a profile of the profiles file; flags win over it (default: the file\'s "default")')
    .option('--config <path>', 'profiles file (default ./llmap.config.json, else $XDG_CONFIG_HOME/llmap/config.json)')
    .option(
      '-p, --provider <name>',
      chat
        ? 'openai (default), anthropic, echo (answers with the prompt; no network), or a preset such as ollama or groq: see llmap providers'
        : 'openai (default), echo (a deterministic fake vector; no network), or an OpenAI-compatible preset such as ollama or vllm: see llmap providers',
    )
    .option('-m, --model <name>', 'model id')
    .option('--base-url <url>', chat ? 'OpenAI-compatible server (Ollama, vLLM, ...) or Anthropic endpoint' : 'OpenAI-compatible server (Ollama, vLLM, ...)')
    .option(
      '--api-key-env <VAR>',
      `environment variable holding the API key (default ${chat ? 'OPENAI_API_KEY / ANTHROPIC_API_KEY' : 'OPENAI_API_KEY'}; not sent to a custom --base-url unless named)`,
    )
    .option('--timeout <duration>', 'per-request timeout: 500ms, 30s, 2m; a bare number is seconds (default 120s)')
    .option('--retries <n>', 'retries per request after the first attempt (default 5)');
}

/** --system, --temperature and --max-tokens: what shapes a chat answer. */
export function addGenerationOptions(cmd: Command): Command {
  return cmd
    .option('-s, --system <text>', 'system message')
    .option('--temperature <t>', 'sampling temperature')
    .option('--max-tokens <n>', 'maximum output tokens (Anthropic default 1024)');
}

/** --concurrency, --rpm and --tpm. */
export function addLimitOptions(cmd: Command): Command {
  return cmd
    .option('-j, --concurrency <n>', 'most calls in flight at once: starts there and backs off when the server is overloaded (default: starts at 8, grows to 64)')
    .option('--rpm <n>', 'at most n requests per minute (default: the limit the server states in its rate-limit headers)')
    .option('--tpm <n>', 'at most n tokens (input + output) per minute (default: the limit the server states)');
}

/** --cache-dir, --cache, --no-cache, --cache-mode and --cache-ttl, with the --cache/--no-cache clash check. */
export function addCacheOptions(cmd: Command): Command {
  cmd
    .option('--cache-dir <dir>', 'cache folder (default $XDG_CACHE_HOME/llmap, else ~/.cache/llmap)')
    .option('--cache <uri>', 'the store: sqlite:PATH, file:PATH.json or redis://HOST:PORT[/DB] (default sqlite:<cache-dir>/cache.sqlite)')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--cache-mode <mode>', 'rw (default), read (never store), write (never serve; store only new prompts) or refresh (never serve; replace)')
    .option('--cache-ttl <age>', 'answers expire this long after being stored: 30d, 12h, 90m (default never)')
    .option('--cache-memory <entries>', "this run's answers kept in memory for repeats of their prompts, 0 = none (default 10000)");
  // --cache and --no-cache share one value, where the last one silently wins; seeing both is a mistake.
  const seen = new Set<string>();
  cmd.on('option:cache', () => seen.add('cache'));
  cmd.on('option:no-cache', () => seen.add('no-cache'));
  cmd.hook('preAction', () => {
    if (seen.has('cache') && seen.has('no-cache')) throw new UsageError('give --cache URI or --no-cache, not both');
  });
  return cmd;
}

/** --report, --quiet and --verbose. */
export function addReportOptions(cmd: Command): Command {
  return cmd
    .option('--report <file>', 'write the run report: a page of charts when the name ends in .html, JSON otherwise')
    .option('-q, --quiet', 'no progress, no summary')
    .option('--verbose', 'print each retry and failed row; stack traces for errors');
}
