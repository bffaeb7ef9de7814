/** A temperature an OpenAI reasoning model would reject on every row stops the run before any call. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli, tempDir } from './cli.js';

it('-m o3-mini --temperature 0.2 against OpenAI: exit 1, one line, no output written', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'in.csv'), 'text\nhello\n');
    const res = await runCli(['run', 'in.csv', '-c', 'text', '-m', 'o3-mini', '--temperature', '0.2', '-o', 'out.csv', '--no-cache'], {
      cwd: dir,
      env: { OPENAI_API_KEY: 'sk-test' },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      "llmap: OpenAI's reasoning model 'o3-mini' takes no temperature but the default 1, got 0.2; drop --temperature (or the profile's temperature)\n",
    );
    expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
  } finally {
    cleanup();
  }
});
