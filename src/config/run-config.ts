/**
 * The validated configuration of one `llmap run`, built from the command line and the environment.
 * Loading and checking only: nothing here opens files or sockets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { TableFormat } from '../io/table.js';
import type { GenerationParams, ProviderKind } from '../providers/provider.js';
import { resolveApiKey } from './api-key.js';
import { parseChoice, parseDuration, parseNumberIn, parseWholeNumber } from './parse-values.js';

/** The options as commander hands them over (strings, unvalidated). */
export interface RawRunOptions {
  output?: string;
  inputFormat?: string;
  outputFormat?: string;
  column?: string;
  template?: string;
  templateFile?: string;
  system?: string;
  provider?: string;
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  temperature?: string;
  maxTokens?: string;
  concurrency?: string;
  rpm?: string;
  tpm?: string;
  outputColumn?: string;
  metadata?: boolean;
  cacheDir?: string;
  cache?: boolean;
  report?: string;
  limit?: string;
  quiet?: boolean;
  verbose?: boolean;
  timeout?: string;
  retries?: string;
  grace?: string;
  relaxColumnCount?: boolean;
}

/** How each row's prompt is made. */
export type PromptSource =
  | { kind: 'column'; column: string }
  | { kind: 'template'; template: string; where: string };

/** A validated run. */
export interface RunConfig {
  input: string;
  inputFormat?: string;
  output: string;
  outputFormat?: string;
  prompt: PromptSource;
  system?: string;
  provider: ProviderKind;
  model: string;
  baseURL?: string;
  apiKey?: string;
  apiKeyEnv?: string;
  params: GenerationParams;
  /** The most calls in flight; the engine adapts below it. */
  concurrency: number;
  /** --rpm: requests per minute, when given. */
  requestsPerMinute?: number;
  /** --tpm: tokens per minute, when given. */
  tokensPerMinute?: number;
  timeoutMs: number;
  /** Attempts per row, the first included (--retries + 1). */
  maxAttempts: number;
  /** How long in-flight calls may finish after the first Ctrl-C. */
  graceMs: number;
  relaxColumnCount: boolean;
  outputColumn: string;
  metadata: boolean;
  /** Undefined when --no-cache. */
  cacheDir?: string;
  reportPath?: string;
  limit?: number;
  quiet: boolean;
  verbose: boolean;
}

const PROVIDERS = ['openai', 'anthropic', 'echo'] as const;
const DEFAULT_CONCURRENCY = 64;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_RETRIES = 5;
const DEFAULT_GRACE_MS = 10_000;

/** Validates the raw options. Throws UsageError with a message naming the flag. */
export function resolveRunConfig(
  input: string,
  raw: RawRunOptions,
  env: NodeJS.ProcessEnv,
  defaultCacheDir: () => string,
): RunConfig {
  const provider = parseChoice('--provider', raw.provider ?? 'openai', PROVIDERS);
  const prompt = resolvePrompt(raw);
  const model = raw.model ?? (provider === 'echo' ? 'echo' : undefined);
  if (!model) throw new UsageError(`missing --model: name the model to call, e.g. -m gpt-4o-mini`);
  const baseURL = raw.baseUrl === undefined ? undefined : parseBaseURL(raw.baseUrl);
  const params: GenerationParams = {};
  if (raw.temperature !== undefined) {
    params.temperature = parseNumberIn('--temperature', raw.temperature, 0, provider === 'anthropic' ? 1 : 2);
  }
  if (raw.maxTokens !== undefined) params.maxTokens = parseWholeNumber('--max-tokens', raw.maxTokens, 1);
  else if (provider === 'anthropic') params.maxTokens = 1024; // the Messages API requires it
  const concurrency =
    raw.concurrency === undefined ? DEFAULT_CONCURRENCY : parseWholeNumber('--concurrency', raw.concurrency, 1, 10_000);
  const rpm = raw.rpm === undefined ? undefined : parseWholeNumber('--rpm', raw.rpm, 1);
  const tpm = raw.tpm === undefined ? undefined : parseWholeNumber('--tpm', raw.tpm, 1);
  const limit = raw.limit === undefined ? undefined : parseWholeNumber('--limit', raw.limit, 0);
  const outputColumn = raw.outputColumn ?? 'response';
  if (outputColumn.trim() === '') throw new UsageError(`--output-column needs a name`);
  const output = raw.output ?? '-';
  if (output !== '-' && input !== '-' && path.resolve(output) === path.resolve(input)) {
    throw new UsageError(`--output '${output}' is the input file; write to another path`);
  }
  const key = resolveApiKey(provider, { apiKeyEnv: raw.apiKeyEnv, baseURL }, env);
  return {
    input,
    inputFormat: raw.inputFormat,
    output,
    outputFormat: raw.outputFormat,
    prompt,
    system: raw.system,
    provider,
    model,
    baseURL,
    ...key,
    params,
    concurrency,
    ...(rpm !== undefined && { requestsPerMinute: rpm }),
    ...(tpm !== undefined && { tokensPerMinute: tpm }),
    timeoutMs: raw.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration('--timeout', raw.timeout),
    maxAttempts: 1 + (raw.retries === undefined ? DEFAULT_RETRIES : parseWholeNumber('--retries', raw.retries, 0, 100)),
    graceMs: raw.grace === undefined ? DEFAULT_GRACE_MS : parseDuration('--grace', raw.grace, 0),
    relaxColumnCount: raw.relaxColumnCount ?? false,
    outputColumn,
    metadata: raw.metadata ?? false,
    cacheDir: raw.cache === false ? undefined : (raw.cacheDir ?? defaultCacheDir()),
    reportPath: raw.report,
    limit,
    quiet: raw.quiet ?? false,
    verbose: raw.verbose ?? false,
  };
}

function resolvePrompt(raw: RawRunOptions): PromptSource {
  const given = [raw.column, raw.template, raw.templateFile].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new UsageError(
      given === 0
        ? 'say what to send: -c COLUMN (the cell is the prompt) or -t TEMPLATE / --template-file FILE with {{column}} placeholders'
        : 'give only one of -c/--column, -t/--template and --template-file',
    );
  }
  if (raw.column !== undefined) return { kind: 'column', column: raw.column };
  if (raw.template !== undefined) return { kind: 'template', template: raw.template, where: '--template' };
  const file = raw.templateFile!;
  let template: string;
  try {
    template = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code ?? 'unreadable';
    throw new UsageError(`cannot read --template-file '${file}': ${why}`);
  }
  // A trailing newline from the editor is not part of the prompt.
  return { kind: 'template', template: template.replace(/\r?\n$/, ''), where: `template file ${file}` };
}

function parseBaseURL(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`expected --base-url to be an http(s) URL such as http://127.0.0.1:11434/v1, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`expected --base-url to be an http(s) URL, got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}
