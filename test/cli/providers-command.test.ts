import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { providersCommand, registerProvidersCommand } from '../../src/cli/providers-command.js';
import { fakeCli } from './fake-cli.js';

const TABLE = `\
name        kind       base URL                                                 key variable          key                 description
openai      openai     https://api.openai.com/v1                                OPENAI_API_KEY        set                 OpenAI
anthropic   anthropic  https://api.anthropic.com                                ANTHROPIC_API_KEY     not set             Anthropic
echo        echo       -                                                        -                     -                   answers with the prompt; no network
ollama      openai     http://127.0.0.1:11434/v1                                -                     -                   Ollama, local
vllm        openai     http://127.0.0.1:8000/v1                                 VLLM_API_KEY          not set (optional)  vLLM, local (a key only if the server was started with one)
llamacpp    openai     http://127.0.0.1:8080/v1                                 -                     -                   llama.cpp server, local
openrouter  openai     https://openrouter.ai/api/v1                             OPENROUTER_API_KEY    not set             OpenRouter
groq        openai     https://api.groq.com/openai/v1                           GROQ_API_KEY          set                 Groq
together    openai     https://api.together.xyz/v1                              TOGETHER_API_KEY      not set             Together AI
deepseek    openai     https://api.deepseek.com/v1                              DEEPSEEK_API_KEY      not set             DeepSeek
mistral     openai     https://api.mistral.ai/v1                                MISTRAL_API_KEY       not set             Mistral AI
gemini      openai     https://generativelanguage.googleapis.com/v1beta/openai  GEMINI_API_KEY        not set             Google Gemini
azure       openai     --base-url or AZURE_OPENAI_ENDPOINT                      AZURE_OPENAI_API_KEY  not set             Azure OpenAI; with AZURE_OPENAI_ENDPOINT, -m names the deployment
`;

describe('llmap providers', () => {
  test('one row per provider; whether each key is set, never its value', () => {
    const { cli, out } = fakeCli({ OPENAI_API_KEY: 'sk-secret-1', GROQ_API_KEY: 'gsk-secret-2' });
    expect(providersCommand(cli)).toBe(0);
    expect(out.stdout).toBe(TABLE);
    expect(out.stdout).not.toContain('secret');
    expect(out.stderr).toBe('');
  });

  test('an empty variable counts as not set', () => {
    const { cli, out } = fakeCli({ OPENAI_API_KEY: '' });
    providersCommand(cli);
    expect(out.stdout.split('\n')[1]).toBe(
      'openai      openai     https://api.openai.com/v1                                OPENAI_API_KEY        not set             OpenAI',
    );
  });

  test('azure shows the endpoint from the environment once a model is known only; the table lists the source', () => {
    const { cli, out } = fakeCli({ AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com', AZURE_OPENAI_API_KEY: 'k' });
    providersCommand(cli);
    expect(out.stdout.split('\n')[13]).toBe(
      'azure       openai     --base-url or AZURE_OPENAI_ENDPOINT                      AZURE_OPENAI_API_KEY  set                 Azure OpenAI; with AZURE_OPENAI_ENDPOINT, -m names the deployment',
    );
  });

  test('registered as a subcommand', async () => {
    const { cli, out } = fakeCli({});
    const program = new Command('llmap').exitOverride();
    registerProvidersCommand(program, cli);
    await program.parseAsync(['providers'], { from: 'user' });
    expect(out.stdout).toContain('ollama      openai     http://127.0.0.1:11434/v1');
  });
});
