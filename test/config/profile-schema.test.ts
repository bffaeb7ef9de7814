import { describe, expect, test } from 'vitest';
import { parseProfiles } from '../../src/config/parse-profiles.js';
import { UsageError } from '../../src/errors.js';

/** The message parseProfiles throws for `text`, as file llmap.config.json. */
function problem(text: string): string {
  try {
    parseProfiles(text, 'llmap.config.json');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

const fast = (settings: object) => JSON.stringify({ profiles: { fast: settings } });

describe('profiles file validation', () => {
  test.each([
    [{ temperature: 'hot' }, 'profiles.fast.temperature: expected a number from 0 to 2, got "hot"'],
    [{ temperature: 2.5 }, 'profiles.fast.temperature: expected a number from 0 to 2, got 2.5'],
    [{ provider: 'anthropic', temperature: 1.5 }, 'profiles.fast.temperature: expected a number from 0 to 1 for anthropic, got 1.5'],
    [{ apiKey: 'sk-live-123' }, 'profiles.fast.apiKey: keys are never stored in the file; name the environment variable with "apiKeyEnv"'],
    [{ api_key: 'sk-live-123' }, 'profiles.fast.api_key: keys are never stored in the file; name the environment variable with "apiKeyEnv"'],
    [{ headers: { Authorization: 'Bearer sk-1' } }, 'profiles.fast.headers.Authorization: keys are never stored in the file; name the environment variable with "apiKeyEnv"'],
    [{ headers: { 'bad name': 'x' } }, 'profiles.fast.headers["bad name"]: not a valid header name'],
    [{ apiKeyEnv: [] }, 'profiles.fast.apiKeyEnv: expected at least one name, got a list'],
    [{ apiKeyEnv: ['KEY_A', 'b-c'] }, 'profiles.fast.apiKeyEnv[1]: expected an environment variable name such as OPENAI_API_KEY, got "b-c"'],
    [{ apiKeyEnv: 5 }, 'profiles.fast.apiKeyEnv: expected an environment variable name such as OPENAI_API_KEY, or a list of them, got 5'],
    [{ headers: { 'X-Title': 5 } }, 'profiles.fast.headers.X-Title: expected a string, got 5'],
    [
      { colour: 'red' },
      'profiles.fast.colour: unknown field; fields are: provider, model, baseURL, apiKeyEnv, temperature, maxTokens, concurrency, rpm, tpm, headers, price, system, timeout, schema, fields, schemaMode, schemaRetries, mode',
    ],
    [
      { provider: 'antropic' },
      'profiles.fast.provider: expected one of openai, anthropic, echo, ollama, vllm, llamacpp, openrouter, groq, together, deepseek, mistral, gemini, azure, got "antropic"',
    ],
    [{ model: '' }, 'profiles.fast.model: expected a model id, got ""'],
    [{ mode: 'later' }, 'profiles.fast.mode: expected "realtime" or "batch", got "later"'],
    [{ baseURL: 'ftp://example.com' }, 'profiles.fast.baseURL: expected an http(s) URL such as http://127.0.0.1:11434/v1, got "ftp://example.com"'],
    [{ apiKeyEnv: 'MY KEY' }, 'profiles.fast.apiKeyEnv: expected an environment variable name such as OPENAI_API_KEY, got "MY KEY"'],
    [{ maxTokens: 1.5 }, 'profiles.fast.maxTokens: expected a whole number >= 1, got 1.5'],
    [{ concurrency: 0 }, 'profiles.fast.concurrency: expected a whole number from 1 to 10000, got 0'],
    [{ rpm: '500' }, 'profiles.fast.rpm: expected a whole number >= 1, got "500"'],
    [{ tpm: -1 }, 'profiles.fast.tpm: expected a whole number >= 1, got -1'],
    [{ price: { input: 0.15 } }, 'profiles.fast.price.output: missing; expected a number >= 0'],
    [{ price: { input: 0.15, output: 0.6, cached: 0.1 } }, 'profiles.fast.price.cached: unknown field; fields are: input, output'],
    [{ price: 0.6 }, 'profiles.fast.price: expected an object such as {"input": 0.15, "output": 0.6} (US dollars per million tokens), got 0.6'],
    [{ timeout: 'soon' }, 'profiles.fast.timeout: expected a duration such as "500ms", "30s" or "2m" (a bare number is seconds), got "soon"'],
    [{ system: ['a'] }, 'profiles.fast.system: expected a string, got a list'],
    [{ schema: 5 }, 'profiles.fast.schema: expected a JSON Schema object, or the path of a .json file holding one, got 5'],
    [{ schemaMode: 'json' }, 'profiles.fast.schemaMode: expected one of auto, native, prompt, got "json"'],
    [{ schemaRetries: -1 }, 'profiles.fast.schemaRetries: expected a whole number from 0 to 20, got -1'],
    [{ schema: 's.json', fields: 'a: int' }, 'profiles.fast.fields: give only one of "schema" and "fields"'],
  ])('%j', (settings, message) => {
    expect(problem(fast(settings))).toBe(`llmap.config.json: ${message}`);
  });

  test('a profile that is not an object', () => {
    expect(problem('{"profiles": {"fast": 5}}')).toBe('llmap.config.json: profiles.fast: expected an object of settings, got 5');
  });

  test('a profile name that is not a plain word is quoted in the path', () => {
    expect(problem(JSON.stringify({ profiles: { 'my fast': { concurrency: 0 } } }))).toBe(
      'llmap.config.json: profiles["my fast"].concurrency: expected a whole number from 1 to 10000, got 0',
    );
  });

  test('the top level must be an object with known fields', () => {
    expect(problem('[]')).toBe('llmap.config.json: expected an object with "profiles", got a list');
    expect(problem('{"profile": {}}')).toBe('llmap.config.json: profile: unknown field; fields are: profiles, default');
  });

  test('"default" must name a profile', () => {
    expect(problem('{"profiles": {"fast": {}, "cheap": {}}, "default": "slow"}')).toBe(
      'llmap.config.json: default: no profile named "slow"; profiles are: fast, cheap',
    );
    expect(problem('{"default": "slow"}')).toBe('llmap.config.json: default: no profile named "slow"; the file has no profiles');
  });

  test('only the first problem is described, with a count of the others', () => {
    expect(problem(fast({ temperature: 'hot', maxTokens: 0, rpm: 0 }))).toBe(
      'llmap.config.json: profiles.fast.temperature: expected a number from 0 to 2, got "hot" (and 2 more problems)',
    );
  });

  test('a long string value is cut short in the message', () => {
    expect(problem(fast({ model: 7, system: 3 }))).toBe('llmap.config.json: profiles.fast.model: expected a model id, got 7 (and 1 more problem)');
    expect(problem(fast({ timeout: 'x'.repeat(100) }))).toBe(
      `llmap.config.json: profiles.fast.timeout: expected a duration such as "500ms", "30s" or "2m" (a bare number is seconds), got "${'x'.repeat(37)}..."`,
    );
  });
});

describe('invalid JSON', () => {
  test.each([
    ['{\n  "profiles": {\n    "fast": {},\n  }\n}', 'trailing comma at line 4 column 3'],
    ["{'profiles': {}}", `unexpected "'" (JSON strings take double quotes) at line 1 column 2`],
    ['{"profiles": {}', 'unexpected end of file at line 1 column 16'],
    ['{"profiles": {}} // mine', "unexpected '/' (comments are not allowed in JSON) at line 1 column 18"],
    ['{"profiles": {"fast": {"model": "a\nb"}}}', 'line break inside a string at line 1 column 35'],
    ['', 'unexpected end of file at line 1 column 1'],
  ])('%j', (text, detail) => {
    expect(problem(text)).toBe(`llmap.config.json: not valid JSON (${detail})`);
  });
});

describe('valid files', () => {
  test('every field, a byte-order mark, and the default', () => {
    const text =
      '\uFEFF' +
      JSON.stringify({
        profiles: {
          fast: {
            provider: 'openai',
            model: 'gpt-4o-mini',
            baseURL: 'https://proxy.example/v1',
            apiKeyEnv: 'PROXY_KEY',
            temperature: 0,
            maxTokens: 256,
            concurrency: 32,
            rpm: 500,
            tpm: 100000,
            headers: { 'X-Team': 'data' },
            price: { input: 0.15, output: 0.6 },
            system: 'Be brief.',
            timeout: '30s',
          },
          local: { provider: 'ollama', model: 'llama3.2', timeout: 90 },
        },
        default: 'fast',
      });
    const loaded = parseProfiles(text, 'llmap.config.json', '/work/llmap.config.json');
    expect(loaded.file).toBe('llmap.config.json');
    expect(loaded.path).toBe('/work/llmap.config.json');
    expect(loaded.defaultName).toBe('fast');
    expect([...loaded.profiles.keys()]).toEqual(['fast', 'local']);
    expect(loaded.profiles.get('local')).toEqual({ name: 'local', provider: 'ollama', model: 'llama3.2', timeout: 90 });
    expect(loaded.profiles.get('fast')).toMatchObject({ name: 'fast', rpm: 500, price: { input: 0.15, output: 0.6 }, timeout: '30s' });
  });

  test('an empty object is a file without profiles', () => {
    const loaded = parseProfiles('{}', 'llmap.config.json');
    expect(loaded.profiles.size).toBe(0);
    expect(loaded.defaultName).toBeUndefined();
  });

  test('a profile named like an Object.prototype member is just a name', () => {
    const loaded = parseProfiles('{"profiles": {"toString": {"model": "m"}}}', 'f.json');
    expect(loaded.profiles.get('toString')).toEqual({ name: 'toString', model: 'm' });
    expect(loaded.profiles.get('constructor')).toBeUndefined();
  });
});

test('a list of keys in "apiKeyEnv" keeps the first as the key and every one for run --queue', () => {
  const loaded = parseProfiles(fast({ apiKeyEnv: ['KEY_A', 'KEY_B'] }), 'llmap.config.json');
  expect(loaded.profiles.get('fast')).toEqual({ name: 'fast', apiKeyEnv: 'KEY_A', apiKeyEnvs: ['KEY_A', 'KEY_B'] });
});
