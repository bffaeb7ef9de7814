/**
 * `llmap ask --schema/--fields`: one typed answer, validated (and asked for again when invalid, as
 * `run` does), printed as one line of JSON. Not streamed: a partial JSON object is of no use, and
 * Anthropic's forced tool streams its input as JSON fragments, not text.
 */
import type { ResponseCache } from '../cache/cache.js';
import type { AskConfig } from '../config/ask-config.js';
import { callForValidAnswer } from '../engine/typed-call.js';
import { defaultRetryPolicy } from '../engine/retry.js';
import type { ByteTarget } from '../io/byte-target.js';
import type { ChatRequest } from '../providers/provider.js';
import { answerCheck } from '../schema/answer-check.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { openTypedProvider, retryOverrides } from './open-resources.js';

/** What the typed ask is given by `askCommand`. */
export interface TypedAsk {
  config: AskConfig & { answerSchema: NonNullable<AskConfig['answerSchema']> };
  request: ChatRequest;
  /** The cache key `run` would use for this prompt and schema. */
  key: string;
  cache: ResponseCache;
  out: ByteTarget;
  signal: AbortSignal;
  /** The signal that stopped the command, if one did. */
  stoppedBy(): NodeJS.Signals | undefined;
}

/** Answers from the cache or the model; returns the exit code. */
export async function askTyped(ask: TypedAsk, cli: CliContext): Promise<number> {
  const { config, out } = ask;
  const check = answerCheck(config.answerSchema.schema);
  const hit = await ask.cache.get(ask.key);
  const cached = hit && check(hit);
  if (cached && 'value' in cached) return print(cached.value, out);
  const provider = await openTypedProvider({ ...config, concurrency: 1 }, cli);
  try {
    const log = (line: string) => config.verbose && cli.stderr.write(`llmap: ${line}\n`);
    const ctx = {
      provider,
      retry: defaultRetryPolicy({ maxAttempts: config.maxAttempts, ...retryOverrides(cli.env) }),
      observer: {
        onRetry: (e: { attempt: number; error: Error; delayMs: number }) =>
          log(`attempt ${e.attempt} failed (${e.error.message}); retrying in ${(e.delayMs / 1000).toFixed(1)}s`),
        onSchemaRetry: (e: { attempt: number; error: string }) => log(`answer ${e.attempt} invalid (${e.error}); asking again`),
      },
      signal: ask.signal,
      stop: ask.signal,
      now: () => performance.now(),
    };
    const call = await callForValidAnswer(ctx, 0, ask.request, { check, retries: config.schemaRetries });
    if ('error' in call) {
      const by = ask.stoppedBy();
      if (call.error.kind === 'aborted' && by) {
        cli.stderr.write(`llmap: stopped by ${by}\n`);
        return by === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
      }
      cli.stderr.write(`llmap: ${call.error.message}\n`);
      return EXIT.fatal;
    }
    const { text, finishReason, usage } = call.result;
    await ask.cache.set(ask.key, { text, finishReason, usage, storedAt: Date.now() });
    return await print(call.value, out);
  } finally {
    await provider.close();
  }
}

async function print(value: unknown, out: ByteTarget): Promise<number> {
  await out.write(JSON.stringify(value) + '\n');
  await out.finish();
  return EXIT.ok;
}
