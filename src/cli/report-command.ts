/**
 * `llmap report <run.json>`: the page of charts for a run whose JSON report was written earlier
 * (`--report run.json`), to a file or stdout.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { OutputClosedError, UsageError, describeError } from '../errors.js';
import { createStdoutTarget } from '../io/stdout-target.js';
import type { RunReport } from '../report/run-report.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-codes.js';

/** Writes the HTML page for the JSON report at `input` to `output` (or stdout); returns the exit code. */
export async function reportCommand(input: string, output: string | undefined, cli: CliContext): Promise<number> {
  const report = await readRunReport(input);
  const { renderHtmlReport } = await import('../report/html-report.js');
  const { writeRunReport, isHtmlReportPath } = await import('../report/run-report.js');
  if (output === undefined || output === '-') {
    const out = createStdoutTarget(cli.stdout);
    try {
      await out.write(await renderHtmlReport(report));
      await out.finish();
    } catch (err) {
      // A reader that went away (`| head`) is a normal end.
      if (!(err instanceof OutputClosedError)) throw err;
    }
  } else {
    if (!isHtmlReportPath(output)) throw new UsageError(`-o names the HTML page to write: give a .html file, not ${output}`);
    await writeRunReport(output, report);
  }
  return EXIT.ok;
}

async function readRunReport(input: string): Promise<RunReport> {
  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${input}: ${describeError(err)}`);
  }
  let report: Partial<RunReport>;
  try {
    report = JSON.parse(text) as Partial<RunReport>;
  } catch (err) {
    throw new UsageError(`${input} is not JSON (${describeError(err)}); give the file written by --report run.json`);
  }
  if (report === null || typeof report !== 'object' || report.llmapReport !== 1 || typeof report.rows !== 'object') {
    throw new UsageError(`${input} is not an llmap run report; give the file written by llmap run --report run.json`);
  }
  if (typeof report.series !== 'object' || report.series === null || !Array.isArray(report.series.t)) {
    throw new UsageError(`${input} has no per-second series (it was written by an older llmap); run again with --report to draw it`);
  }
  return report as RunReport;
}

/** Adds `llmap report` to the program. */
export function registerReportCommand(program: Command, cli: CliContext, setExitCode: (code: number) => void): void {
  program
    .command('report')
    .description('draw a past run as a self-contained HTML page of charts, from its JSON report (--report run.json)')
    .argument('<run.json>', 'the JSON report of a run')
    .option('-o, --output <file.html>', "the page to write; '-' or omitted = stdout")
    .action(async (input: string, opts: { output?: string }) => {
      setExitCode(await reportCommand(input, opts.output, cli));
    });
}
