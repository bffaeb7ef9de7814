/**
 * One row's call when answers are typed: an answer that is not valid JSON for the schema (or a
 * refusal) is retried up to `retries` times with the error quoted back to the model as a follow-up
 * turn; after that the row fails with the error. Transport failures are retried inside each call
 * as usual. Only a valid answer ever leaves here, so only valid answers are cached.
 */
import { ProviderError } from '../errors.js';
import type { ChatRequest, Usage } from '../providers/provider.js';
import type { AnswerCheck, Checked } from '../schema/answer-check.js';
import { callWithRetry, type CallContext, type CallFailure, type CallSuccess } from './call-with-retry.js';
import type { Lane } from './ordered-map.js';

/** What a typed run adds to each call. */
export interface TypedAnswers {
  /** Parses and validates an answer. */
  check: AnswerCheck;
  /** Further attempts after an invalid answer (--schema-retries). */
  retries: number;
}

/** A valid typed answer. */
export interface TypedSuccess extends CallSuccess {
  value: Record<string, unknown>;
}

/** Calls until the answer is valid or the retries are used up. Never rejects on provider errors. */
export async function callForValidAnswer(
  ctx: CallContext,
  index: number,
  request: ChatRequest,
  typed: TypedAnswers,
  lane?: Lane,
): Promise<TypedSuccess | CallFailure> {
  let attempts = 0;
  const usage: Usage = {};
  let current = request;
  for (let round = 0; ; round++) {
    const call = await callWithRetry(ctx, index, current, lane);
    attempts += call.attempts;
    if ('error' in call) return { ...call, attempts };
    addUsage(usage, call.result.usage);
    const checked: Checked = typed.check(call.result);
    // Every answer paid for counts in the usage (and so the cost), the invalid ones too.
    if ('value' in checked) return { ...call, result: { ...call.result, usage }, attempts, value: checked.value };
    if (round >= typed.retries) {
      const tries = round + 1;
      const error = new ProviderError('bad_response', `${checked.error} (after ${tries} ${tries === 1 ? 'answer' : 'answers'})`);
      return { error, latencyMs: call.latencyMs, attempts, usage };
    }
    ctx.observer.onSchemaRetry?.({ index, attempt: round + 1, error: checked.error });
    current = {
      ...request,
      correction: {
        answer: call.result.refusal ?? call.result.text,
        ...(call.result.toolUseId !== undefined && { toolUseId: call.result.toolUseId }),
        message: `Your answer was not valid: ${checked.error}. Answer again with only the JSON object the schema describes.`,
      },
    };
  }
}

function addUsage(total: Usage, add: Usage): void {
  if (add.inputTokens !== undefined) total.inputTokens = (total.inputTokens ?? 0) + add.inputTokens;
  if (add.outputTokens !== undefined) total.outputTokens = (total.outputTokens ?? 0) + add.outputTokens;
}
