import { describe, expect, test } from 'vitest';
import { applyPreset, presetEndpoint } from '../../src/config/apply-preset.js';
import { UsageError } from '../../src/errors.js';
import { listPresets, resolvePreset } from '../../src/providers/presets.js';

describe('resolvePreset', () => {
  test('known names', () => {
    expect(resolvePreset('groq')).toEqual({
      name: 'groq',
      kind: 'openai',
      baseURL: 'https://api.groq.com/openai/v1',
      apiKeyEnv: 'GROQ_API_KEY',
      keyRequired: true,
      description: 'Groq',
    });
    expect(resolvePreset('ollama')).toMatchObject({ kind: 'openai', baseURL: 'http://127.0.0.1:11434/v1', keyRequired: false });
    expect(resolvePreset('ollama').apiKeyEnv).toBeUndefined();
    expect(resolvePreset('anthropic')).toMatchObject({ kind: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY' });
    expect(resolvePreset('anthropic').baseURL).toBeUndefined();
    expect(resolvePreset('azure')).toMatchObject({ kind: 'openai', keyHeader: 'api-key', query: { 'api-version': '2024-10-21' } });
  });

  test('an unknown name is a usage error listing the names', () => {
    expect(() => resolvePreset('olama')).toThrow(UsageError);
    expect(() => resolvePreset('olama')).toThrow(
      "unknown provider 'olama'; providers are: openai, anthropic, echo, ollama, vllm, llamacpp, openrouter, groq, together, deepseek, mistral, gemini, azure",
    );
  });

  test('every preset URL is https, or http on the loopback address', () => {
    for (const p of listPresets()) {
      if (p.baseURL === undefined) continue;
      expect(p.baseURL).toMatch(/^(https:\/\/|http:\/\/127\.0\.0\.1:)/);
    }
  });
});

describe('applyPreset', () => {
  test('a hosted preset: its URL and its key variable, which must be set', () => {
    expect(applyPreset({ provider: 'groq', model: 'llama-3.1-8b-instant' }, { GROQ_API_KEY: 'gsk' })).toEqual({
      provider: 'openai',
      model: 'llama-3.1-8b-instant',
      baseUrl: 'https://api.groq.com/openai/v1',
      apiKeyEnv: 'GROQ_API_KEY',
    });
    expect(() => applyPreset({ provider: 'groq', model: 'm' }, {})).toThrow(
      'missing API key: set GROQ_API_KEY for --provider groq (or name another variable with --api-key-env)',
    );
  });

  test("a user's --base-url does not receive the preset's key unless --api-key-env names it", () => {
    const env = { OPENROUTER_API_KEY: 'sk-or' };
    expect(applyPreset({ provider: 'openrouter', baseUrl: 'http://127.0.0.1:9999/v1' }, env)).toEqual({
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:9999/v1',
      apiKeyEnv: undefined,
    });
    expect(applyPreset({ provider: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1/' }, env).apiKeyEnv).toBe('OPENROUTER_API_KEY');
    expect(applyPreset({ provider: 'openrouter', baseUrl: 'http://127.0.0.1:9999/v1', apiKeyEnv: 'OPENROUTER_API_KEY' }, env).apiKeyEnv).toBe(
      'OPENROUTER_API_KEY',
    );
  });

  test('local servers: no key, or an optional one sent only when set', () => {
    expect(applyPreset({ provider: 'ollama', model: 'llama3.2' }, { OPENAI_API_KEY: 'sk' })).toEqual({
      provider: 'openai',
      model: 'llama3.2',
      baseUrl: 'http://127.0.0.1:11434/v1',
      apiKeyEnv: undefined,
    });
    expect(applyPreset({ provider: 'vllm' }, {}).apiKeyEnv).toBeUndefined();
    expect(applyPreset({ provider: 'vllm' }, { VLLM_API_KEY: 'k' }).apiKeyEnv).toBe('VLLM_API_KEY');
  });

  test('the built-in kinds pass through for run-config to apply its defaults', () => {
    expect(applyPreset({ provider: 'anthropic', model: 'claude' }, {})).toEqual({ provider: 'anthropic', model: 'claude' });
    expect(applyPreset({ model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:1/v1' }, {})).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      baseUrl: 'http://127.0.0.1:1/v1',
    });
    expect(applyPreset({ provider: 'echo' }, {})).toEqual({ provider: 'echo' });
  });

  test('azure from --base-url: api-key header and api-version query, OPENAI_API_VERSION overriding', () => {
    const baseUrl = 'https://res.openai.azure.com/openai/deployments/gpt4o';
    expect(applyPreset({ provider: 'azure', model: 'gpt-4o', baseUrl }, { AZURE_OPENAI_API_KEY: 'az' })).toEqual({
      provider: 'openai',
      model: 'gpt-4o',
      baseUrl,
      apiKeyEnv: 'AZURE_OPENAI_API_KEY',
      keyHeader: 'api-key',
      query: { 'api-version': '2024-10-21' },
    });
    const env = { AZURE_OPENAI_API_KEY: 'az', OPENAI_API_VERSION: '2025-01-01-preview' };
    expect(applyPreset({ provider: 'azure', model: 'm', baseUrl }, env).query).toEqual({ 'api-version': '2025-01-01-preview' });
  });

  test('azure from AZURE_OPENAI_ENDPOINT: the model names the deployment', () => {
    const env = { AZURE_OPENAI_API_KEY: 'az', AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com/' };
    expect(applyPreset({ provider: 'azure', model: 'my gpt' }, env).baseUrl).toBe('https://res.openai.azure.com/openai/deployments/my%20gpt');
    expect(() => applyPreset({ provider: 'azure' }, env)).toThrow('missing --model: with AZURE_OPENAI_ENDPOINT, -m names the Azure deployment');
    expect(() => applyPreset({ provider: 'azure', model: 'm' }, { AZURE_OPENAI_ENDPOINT: 'res.openai.azure.com' })).toThrow(
      "expected AZURE_OPENAI_ENDPOINT to be a URL such as https://RESOURCE.openai.azure.com, got 'res.openai.azure.com'",
    );
    expect(() => applyPreset({ provider: 'azure', model: 'm' }, {})).toThrow(
      '--provider azure needs the endpoint: --base-url https://RESOURCE.openai.azure.com/openai/deployments/DEPLOYMENT, or set AZURE_OPENAI_ENDPOINT and name the deployment with -m',
    );
  });

  test('azure sends its key to Azure hosts only', () => {
    const env = { AZURE_OPENAI_API_KEY: 'az' };
    expect(applyPreset({ provider: 'azure', model: 'm', baseUrl: 'https://gateway.example/openai/deployments/m' }, env).apiKeyEnv).toBeUndefined();
    expect(applyPreset({ provider: 'azure', model: 'm', baseUrl: 'https://x.cognitiveservices.azure.com/openai/deployments/m' }, env).apiKeyEnv).toBe(
      'AZURE_OPENAI_API_KEY',
    );
  });

  test('an unknown provider lists the names', () => {
    expect(() => applyPreset({ provider: 'gemeni' }, {})).toThrow("unknown provider 'gemeni'; providers are: openai, anthropic, echo,");
  });
});

describe('presetEndpoint', () => {
  test('names the key variable that would be sent, without requiring it', () => {
    expect(presetEndpoint({ provider: 'mistral' }, {})).toMatchObject({ baseUrl: 'https://api.mistral.ai/v1', keyEnv: 'MISTRAL_API_KEY', keySource: 'preset' });
    expect(presetEndpoint({ provider: 'openai' }, {})).toMatchObject({ baseUrl: undefined, keyEnv: 'OPENAI_API_KEY' });
    expect(presetEndpoint({ provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }, {}).keyEnv).toBeUndefined();
    expect(presetEndpoint({ provider: 'ollama', apiKeyEnv: 'MY' }, {})).toMatchObject({ keyEnv: 'MY', keySource: 'named' });
  });
});
