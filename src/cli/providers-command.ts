/**
 * `llmap providers`: the provider names llmap knows, where each sends its calls, and whether its key
 * variable is set (never the key).
 */
import type { Command } from 'commander';
import { presetEndpoint } from '../config/apply-preset.js';
import { listPresets } from '../providers/presets.js';
import type { CliContext } from './context.js';
import { keyText, urlText } from './endpoint-text.js';
import { EXIT } from './exit-codes.js';
import { formatTable } from './text-table.js';

/** Writes the providers table to stdout; returns the exit code. */
export function providersCommand(cli: Pick<CliContext, 'env' | 'stdout'>): number {
  const rows = [['name', 'kind', 'base URL', 'key variable', 'key', 'description']];
  for (const preset of listPresets()) {
    const endpoint = presetEndpoint({ provider: preset.name }, cli.env);
    rows.push([preset.name, preset.kind, urlText(endpoint), endpoint.keyEnv ?? '-', keyText(endpoint, cli.env), preset.description]);
  }
  cli.stdout.write(formatTable(rows));
  return EXIT.ok;
}

/** Adds `llmap providers` to the program. */
export function registerProvidersCommand(program: Command, cli: CliContext): void {
  program
    .command('providers')
    .description('list the provider names usable with --provider, their endpoints and key variables')
    .action(() => {
      providersCommand(cli);
    });
}
