/**
 * The shape of the profiles file, checked with zod: strict objects (a misspelt field is an error,
 * not a silent default) and one-line messages naming the field and the value found.
 */
import { z } from 'zod';
import { listPresets, presetNames } from '../providers/presets.js';
import { SCHEMA_MODES } from './typed-config.js';

/** Builds the message of a failed check from the value found. */
const expected = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `missing; expected ${what}` : `expected ${what}, got ${showValue(issue.input)}`;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: expected('an environment variable name such as OPENAI_API_KEY') });

const KEY_IN_FILE = 'keys are never stored in the file; name the environment variable with "apiKeyEnv"';
const KEY_HEADERS = new Set(['authorization', 'api-key', 'x-api-key', 'proxy-authorization']);

function numberIn(min: number, max: number) {
  const error = expected(`a number from ${min} to ${max}`);
  return z.number({ error }).min(min, { error }).max(max, { error });
}

function atLeastZero() {
  const error = expected('a number >= 0');
  return z.number({ error }).min(0, { error });
}

function wholeNumber(min: number, max?: number) {
  const error = expected(max === undefined ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`);
  const n = z.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? n : n.max(max, { error });
}

const text = (what: string) => z.string({ error: expected(what) }).min(1, { error: expected(what) });

const httpURL = text('an http(s) URL such as http://127.0.0.1:11434/v1').refine(
  (s) => /^https?:$/.test(safeURL(s)?.protocol ?? ''),
  { error: expected('an http(s) URL such as http://127.0.0.1:11434/v1') },
);

// The same grammar as --timeout (parseDuration), so a profile value means what the flag would.
const duration = z.custom<number | string>(
  (v) => (typeof v === 'number' && v > 0) || (typeof v === 'string' && /^\s*\d+(?:\.\d+)?\s*(ms|s|m|h)?\s*$/.test(v) && parseFloat(v) > 0),
  { error: expected('a duration such as "500ms", "30s" or "2m" (a bare number is seconds)') },
);

const headers = z
  .record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/),
    z.string({ error: expected('a string') }),
    // A bad name is reported at the record level with the name as its path.
    { error: (i) => (i.code === 'invalid_key' ? 'not a valid header name' : expected('an object of header names to values')(i)) },
  )
  .superRefine((value, ctx) => {
    for (const name of Object.keys(value)) {
      if (KEY_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: KEY_IN_FILE });
    }
  });

const price = z.strictObject(
  { input: atLeastZero(), output: atLeastZero() },
  { error: expected('an object such as {"input": 0.15, "output": 0.6} (US dollars per million tokens)') },
);

/** The settings of one profile; every field is optional. */
export const profileSchema = z
  .strictObject(
    {
      provider: z.enum(presetNames() as [string, ...string[]], { error: expected(`one of ${presetNames().join(', ')}`) }),
      model: text('a model id'),
      baseURL: httpURL,
      // A list names several keys: the workers of `run --queue` spread their calls over them.
      apiKeyEnv: z.union([envName, z.array(envName, { error: expected('a list of environment variable names') }).min(1, { error: expected('at least one name') })], {
        error: expected('an environment variable name such as OPENAI_API_KEY, or a list of them'),
      }),
      // Present only to reject a literal key with a message saying what to do instead.
      apiKey: z.never({ error: KEY_IN_FILE }),
      temperature: numberIn(0, 2),
      maxTokens: wholeNumber(1),
      concurrency: wholeNumber(1, 10_000),
      rpm: wholeNumber(1),
      tpm: wholeNumber(1),
      headers,
      price,
      system: z.string({ error: expected('a string') }),
      timeout: duration,
      // Typed answers (README "Typed answers"): a JSON Schema object or a file path, or the field syntax.
      schema: z.union([text('a path'), z.record(z.string(), z.unknown())], {
        error: expected('a JSON Schema object, or the path of a .json file holding one'),
      }),
      fields: text('field syntax such as "label: enum(a, b); score: number"'),
      schemaMode: z.enum(SCHEMA_MODES, { error: expected(`one of ${SCHEMA_MODES.join(', ')}`) }),
      schemaRetries: wholeNumber(0, 20),
      mode: z.enum(['realtime', 'batch'], { error: expected('"realtime" or "batch"') }),
    },
    { error: expected('an object of settings') },
  )
  .partial()
  .superRefine((p, ctx) => {
    if (p.schema !== undefined && p.fields !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'give only one of "schema" and "fields"' });
    }
    const kind = listPresets().find((preset) => preset.name === p.provider)?.kind;
    // Anthropic's Messages API accepts 0-1 only; say so here rather than at the first call.
    if (kind === 'anthropic' && p.temperature !== undefined && p.temperature > 1) {
      ctx.addIssue({ code: 'custom', path: ['temperature'], message: `expected a number from 0 to 1 for anthropic, got ${p.temperature}` });
    }
  });

/** The whole file. */
export const profilesFileSchema = z.strictObject(
  {
    profiles: z.record(z.string(), profileSchema, { error: expected('an object of named profiles') }).optional(),
    default: text('a profile name').optional(),
  },
  { error: expected('an object with "profiles"') },
);

/** One profile as written in the file (validated). */
export type ProfileSettings = Omit<z.infer<typeof profileSchema>, 'apiKey' | 'apiKeyEnv'> & {
  /** The key's variable (the first, when the file names several). */
  apiKeyEnv?: string;
  /** Every variable, when the file names a list of keys. */
  apiKeyEnvs?: string[];
};

/** The fields each object of the file accepts, for "unknown field" messages. */
export function knownFields(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(profilesFileSchema.shape);
  if (path.length === 2 && path[0] === 'profiles') return Object.keys(profileSchema.shape).filter((k) => k !== 'apiKey');
  if (path.length === 3 && path[2] === 'price') return Object.keys(price.shape);
  return [];
}

/** A field path as written in messages: `profiles.fast.temperature`, `profiles["my model"].model`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    const s = String(seg);
    if (typeof seg === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** A value as a message shows it: strings quoted and cut short, containers named. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function safeURL(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}
