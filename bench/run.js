#!/usr/bin/env node
/**
 * Runs every benchmark script in bench/ (not lib/) one after another, so they never compete for
 * the CPU; their progress goes to stderr as they run, and their tables to stdout together at the
 * end. Exit code 1 if any benchmark failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js')
  .sort();

const results = [];
for (const script of scripts) {
  process.stderr.write(`\n== ${script}\n`);
  const { code, stdout } = await run(path.join(here, script));
  results.push({ script, code, stdout });
}

for (const { script, code, stdout } of results) {
  process.stdout.write(code === 0 ? `${stdout}\n` : `${script}: failed with exit code ${code}\n${stdout}\n`);
}
process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;

function run(file) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
