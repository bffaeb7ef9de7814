/**
 * The examples each command's --help ends with, kept in one table so they are checked together
 * (test/cli/help.test.ts runs every command's help) and read as a set.
 */
import type { Command } from 'commander';

// Keyed by the command's path below `llmap`; every line is a command a user can paste.
const EXAMPLES: Record<string, string[]> = {
  '': [`llmap run reviews.csv -t 'Summarize in five words: {{review}}' -m gpt-4o-mini -o summaries.csv`],
  run: [
    `llmap run reviews.csv -t 'Summarize in five words: {{review}}' -m gpt-4o-mini -o summaries.csv`,
    `llmap run reviews.csv -c review -p ollama -m llama3.2 --limit 20          # a local model, first 20 rows`,
    `llmap run reviews.csv -c review -p anthropic -m claude-3-5-haiku-latest --fields 'sentiment: enum(positive, negative); score: number' -o out.parquet --report run.html`,
  ],
  embed: [
    `llmap embed reviews.csv -c review -m text-embedding-3-small -o reviews.arrow`,
    `llmap embed reviews.csv -c review -p ollama -m nomic-embed-text -o reviews.jsonl`,
    `llmap embed reviews.csv -c review -p echo --limit 5                      # offline: fake vectors`,
  ],
  ask: [
    `llmap ask "Name three prime numbers" -m gpt-4o-mini`,
    `git diff | llmap ask -s "Write a one-line commit message for this diff" -p anthropic -m claude-3-5-haiku-latest`,
    `llmap ask "Say hi" -p echo                                             # offline: answers with the prompt`,
  ],
  report: [`llmap report run.json -o run.html            # the charts of a past run`, `llmap run reviews.csv -c review -m gpt-4o-mini --report run.html`],
  providers: [`llmap providers`, `llmap run reviews.csv -c review -p groq -m llama-3.1-8b-instant`],
  profiles: [`llmap profiles list`, `llmap profiles test fast`, `llmap run reviews.csv -c review --profile fast`],
  'profiles list': [`llmap profiles list`, `llmap profiles list --config team.config.json`],
  'profiles test': [`llmap profiles test              # the file's default profile`, `llmap profiles test fast --config team.config.json`],
  cache: [`llmap cache stats`, `llmap cache prune --older-than 30d`, `llmap cache clear --cache redis://127.0.0.1:6379`],
  'cache stats': [`llmap cache stats`, `llmap cache stats --cache file:answers.json`],
  'cache clear': [`llmap cache clear`, `llmap cache clear --cache redis://127.0.0.1:6379`],
  'cache prune': [`llmap cache prune --older-than 30d`, `llmap cache prune --older-than 12h --cache-dir ./cache`],
  worker: [
    `llmap worker --queue redis://10.0.0.5:6379              # on each machine, with its own OPENAI_API_KEY`,
    `llmap worker --queue redis://10.0.0.5:6379/2 --chunks 4 --stall-timeout 1m`,
  ],
  batch: [`llmap batch list`, `llmap batch status -m gpt-4o-mini`, `llmap batch resume -p anthropic -m claude-3-5-haiku-latest`],
  'batch list': [`llmap batch list`, `llmap batch list --cache-dir ./cache`],
  'batch status': [`llmap batch status -m gpt-4o-mini`, `llmap batch status -p anthropic -m claude-3-5-haiku-latest`],
  'batch resume': [`llmap batch resume -m gpt-4o-mini                 # collect what the batches answered into the cache`, `llmap run reviews.csv -c review -m gpt-4o-mini --mode batch -o out.csv   # or run the same command again`],
  'batch cancel': [`llmap batch cancel -m gpt-4o-mini`, `llmap batch cancel -p anthropic -m claude-3-5-haiku-latest`],
};

/** Appends the examples to the help of `program` and of every command below it that has some. */
export function addHelpExamples(program: Command): void {
  const visit = (cmd: Command, path: string): void => {
    const examples = EXAMPLES[path];
    if (examples) {
      const title = path === '' ? 'Example:' : 'Examples:';
      const more = path === '' ? '\n\nRun llmap <command> --help for its options and examples.' : '';
      cmd.addHelpText('after', `\n${title}\n${examples.map((e) => `  $ ${e}`).join('\n')}${more}`);
    }
    for (const sub of cmd.commands) visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  visit(program, '');
}
