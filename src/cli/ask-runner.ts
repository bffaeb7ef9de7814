/**
 * `llmap ask "PROMPT"`: one prompt, its answer streamed to stdout as it arrives, through the same
 * profiles, endpoint flags and cache (the same key) as `llmap run`. Nothing goes to stderr unless
 * something fails or --verbose asks for it, so `llmap ask ... | other` stays clean.
 */
import type { CachedResponse, ResponseCache } from '../cache/cache.js';
import { checkPrompt, loadAskConfig, type AskConfig, type RawAskOptions } from '../config/ask-config.js';
import { OutputClosedError, UsageError, type ProviderError } from '../errors.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import { streamWithRetry, type StreamFailure, type StreamSuccess } from '../engine/stream-with-retry.js';
import { createStdoutTarget } from '../io/stdout-target.js';
import type { ByteTarget } from '../io/byte-target.js';
import type { ChatRequest, ChatStreamer, Usage } from '../providers/provider.js';
import { createStreamer } from '../providers/stream-factory.js';
import { formatDuration } from '../report/format-units.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { chatCacheKey, openCache, providerOptions, retryOverrides } from './open-resources.js';

/** Runs `llmap ask` and returns the exit code. Throws user-facing errors for cli/ to print. */
export async function askCommand(arg: string | undefined, raw: RawAskOptions, cli: CliContext): Promise<number> {
  // Flags first: a typo fails at once instead of after the prompt was typed into stdin.
  const config = await loadAskConfig(raw, { cwd: process.cwd(), env: cli.env });
  const prompt = await readPrompt(arg, cli);
  const request: ChatRequest = config.system === undefined ? { prompt } : { system: config.system, prompt };
  // The key `llmap run` makes for the same prompt, so either command answers from the other's entry.
  const key = chatCacheKey(config)(request);

  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const unsubscribe = cli.onSignals((signal) => {
    stoppedBy ??= signal;
    stop.abort(new Error(`stopped by ${signal}`));
  });
  const out = createStdoutTarget(cli.stdout);
  let cache: ResponseCache | undefined;
  let streamer: ChatStreamer | undefined;
  try {
    cache = await openCache(config);
    if (config.answerSchema) {
      const { askTyped } = await import('./ask-typed.js');
      const typedConfig = { ...config, answerSchema: config.answerSchema };
      return await askTyped({ config: typedConfig, request, key, cache, out, signal: stop.signal, stoppedBy: () => stoppedBy }, cli);
    }
    const hit = await cache.get(key);
    if (hit) return await replay(hit, out, config, cli);
    streamer = await openStreamer(config);
    const outcome = await stream(streamer, request, out, config, cli, stop.signal);
    if ('error' in outcome) return await failed(outcome, out, cli, stoppedBy);
    const { text, finishReason, usage } = outcome.result;
    // The whole answer arrived (a signal now is too late to lose it): stored before exiting, as `run` would.
    const stored = finishReason !== null;
    if (stored) await cache.set(key, { text, finishReason, usage, storedAt: Date.now() });
    if (config.verbose) cli.stderr.write(summary(outcome, config, stored) + '\n');
    return EXIT.ok;
  } catch (err) {
    if (err instanceof OutputClosedError) return EXIT.ok;
    throw err;
  } finally {
    unsubscribe();
    await streamer?.close();
    await cache?.close();
  }
}

/** The streamer the config names: one answer at a time, so one connection. */
function openStreamer(config: AskConfig): Promise<ChatStreamer> {
  return createStreamer({ ...providerOptions(config), concurrency: 1 });
}

/** The prompt argument, or stdin for '-' or for no argument when input is piped in. */
async function readPrompt(arg: string | undefined, cli: CliContext): Promise<string> {
  if (arg !== undefined && arg !== '-') return checkPrompt(arg, 'argument');
  if (arg === undefined && (cli.stdin as { isTTY?: boolean }).isTTY) {
    throw new UsageError('missing prompt: llmap ask "PROMPT", or pipe it in: echo PROMPT | llmap ask');
  }
  let text = '';
  cli.stdin.setEncoding('utf8');
  for await (const chunk of cli.stdin) text += chunk as string;
  if (arg === undefined && text === '') {
    throw new UsageError('missing prompt: llmap ask "PROMPT", or pipe it in: echo PROMPT | llmap ask');
  }
  return checkPrompt(text, 'stdin');
}

/** Streams the answer to stdout, retrying (with --verbose, saying so) until its first text. */
async function stream(
  streamer: ChatStreamer,
  request: ChatRequest,
  out: ByteTarget,
  config: AskConfig,
  cli: CliContext,
  signal: AbortSignal,
): Promise<StreamSuccess | StreamFailure> {
  let last = '';
  const write = (text: string) => {
    last = text;
    return out.write(text);
  };
  const outcome = await streamWithRetry(streamer, request, write, {
    retry: defaultRetryPolicy({ maxAttempts: config.maxAttempts, ...retryOverrides(cli.env) }),
    signal,
    onRetry: (e) => {
      if (!config.verbose) return;
      const status = e.error.status === undefined ? e.error.kind : `${e.error.status}`;
      cli.stderr.write(`llmap: attempt ${e.attempt} failed (${status}: ${e.error.message}); retrying in ${(e.delayMs / 1000).toFixed(1)}s\n`);
    },
  });
  if ('result' in outcome || outcome.partial) {
    // The answer's own last newline ends the line; else one is added, so the shell prompt (or an
    // error message) starts on a line of its own.
    if (!last.endsWith('\n')) await out.write('\n');
    await out.finish();
  }
  return outcome;
}

/** A cached answer, written at once. */
async function replay(hit: CachedResponse, out: ByteTarget, config: AskConfig, cli: CliContext): Promise<number> {
  await out.write(hit.text.endsWith('\n') ? hit.text : hit.text + '\n');
  await out.finish();
  if (config.verbose) {
    cli.stderr.write(`llmap: from the cache, stored ${new Date(hit.storedAt).toISOString()}; ${usageText(hit.usage)}, finish ${hit.finishReason ?? 'unknown'}\n`);
  }
  return EXIT.ok;
}

/** One line on stderr saying what went wrong; the exit code. */
async function failed(outcome: StreamFailure, out: ByteTarget, cli: CliContext, stoppedBy: NodeJS.Signals | undefined): Promise<number> {
  const { error, partial } = outcome;
  if (error.kind === 'aborted' && stoppedBy) {
    cli.stderr.write(`llmap: stopped by ${stoppedBy}${partial ? '; the answer is incomplete and was not cached' : ''}\n`);
    return stoppedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  }
  cli.stderr.write(`llmap: ${failureText(error, outcome.attempts, partial)}\n`);
  await out.finish().catch(() => undefined);
  return EXIT.fatal;
}

function failureText(error: ProviderError, attempts: number, partial: boolean): string {
  if (partial) return `${error.message}; the answer above is incomplete and was not cached`;
  return attempts > 1 ? `${error.message} (gave up after ${attempts} attempts)` : error.message;
}

/** The --verbose summary of a streamed answer. */
function summary(outcome: StreamSuccess, config: AskConfig, stored: boolean): string {
  const { result, attempts, latencyMs, firstTextMs } = outcome;
  const timing = firstTextMs === undefined ? `${formatDuration(latencyMs)}` : `first text after ${formatDuration(firstTextMs)}, done after ${formatDuration(latencyMs)}`;
  return (
    `llmap: ${usageText(result.usage)}, finish ${result.finishReason ?? 'unknown'}; ${timing}; ` +
    `${attempts} attempt${attempts === 1 ? '' : 's'}; ${cacheText(config, stored)}`
  );
}

function usageText(usage: Usage): string {
  const n = (v: number | undefined) => (v === undefined ? '?' : String(v));
  return `${n(usage.inputTokens)} tokens in, ${n(usage.outputTokens)} out`;
}

function cacheText(config: AskConfig, stored: boolean): string {
  if (config.cacheDir === undefined) return 'not cached (--no-cache)';
  if (config.cacheMode === 'read') return 'not cached (--cache-mode read)';
  if (!stored) return 'not cached (the stream ended without a finish reason)';
  return 'cached';
}
