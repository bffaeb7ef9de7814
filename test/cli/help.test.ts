import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../e2e/cli.js';
import { fakeCli } from './fake-cli.js';

/** Every command below `llmap`, by its path ('run', 'cache prune', ...), help itself left out. */
function commandPaths(cmd: Command, prefix = ''): Array<[string, Command]> {
  return cmd.commands
    .filter((sub) => sub.name() !== 'help')
    .flatMap((sub) => {
      const path = `${prefix}${sub.name()}`;
      return [[path, sub] as [string, Command], ...commandPaths(sub, `${path} `)];
    });
}

function helpOf(path: string): string {
  const { cli, out } = fakeCli();
  const program = buildProgram(cli, () => undefined);
  const cmd = commandPaths(program).find(([p]) => p === path)![1];
  cmd.outputHelp();
  return out.stdout;
}

const paths = commandPaths(buildProgram(fakeCli().cli, () => undefined)).map(([p]) => p);

describe('--help', () => {
  it('covers every command', () => {
    expect(paths).toEqual([
      'run', 'providers', 'profiles', 'profiles list', 'profiles test', 'cache', 'cache stats', 'cache clear', 'cache prune',
      'embed', 'ask', 'report', 'worker', 'batch', 'batch list', 'batch status', 'batch cancel', 'batch resume',
    ]);
  });

  it.each(paths)('of %s ends with two or three examples of that command', (path) => {
    const help = helpOf(path);
    const tail = help.slice(help.lastIndexOf('\nExamples:\n') + '\nExamples:\n'.length).trimEnd().split('\n');
    expect(help).toContain('\nExamples:\n');
    expect(tail.length).toBeGreaterThanOrEqual(2);
    expect(tail.length).toBeLessThanOrEqual(3);
    for (const line of tail) expect(line).toMatch(/^ {2}\$ (\S.*\| )?llmap /);
    // At least one example runs the command the help is about.
    const [top] = path.split(' ');
    expect(tail.some((line) => line.includes(`llmap ${path}`) || line.includes(`llmap ${top}`))).toBe(true);
  });

  it('of embed offers only the providers embed accepts', () => {
    // Help text is wrapped to the terminal's width; compare it as one line.
    const flat = (text: string) => text.replace(/\s+/g, ' ');
    const help = flat(helpOf('embed'));
    expect(help).not.toMatch(/anthropic/i);
    expect(help).toContain('openai (default), echo (a deterministic fake vector; no network), or an OpenAI-compatible preset');
    expect(flat(helpOf('run'))).toContain('openai (default), anthropic, echo');
    expect(flat(helpOf('ask'))).toContain('openai (default), anthropic, echo');
  });

  it('of run names every table format, Parquet included, for input and output', () => {
    const help = helpOf('run').replace(/\s+/g, ' ');
    expect(help).toContain('--input-format <format> csv, tsv, jsonl, arrow or parquet');
    expect(help).toContain('--output-format <format> csv, tsv, jsonl, arrow or parquet');
    expect(help).toContain("--fields 'sentiment: enum(positive, negative); score: number' -o out.parquet");
  });
});

describe('llmap with no arguments', () => {
  it('lists the commands and one example on stdout, and exits 0', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: llmap \[options\] \[command\]/);
    for (const name of ['run', 'embed', 'ask', 'report', 'worker', 'batch', 'providers', 'profiles', 'cache']) expect(r.stdout).toMatch(new RegExp(`\\n  ${name} `));
    expect(r.stdout).toContain(
      "\nExample:\n  $ llmap run reviews.csv -t 'Summarize in five words: {{review}}' -m gpt-4o-mini -o summaries.csv\n",
    );
  });
});
