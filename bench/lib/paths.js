/** Where the repository and the built CLI are. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/llmap.js');

/** Throws unless the CLI has been built (benchmarks measure the built code, as users run it). */
export function assertBuilt() {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing; run `npm run build` first (or `npm run bench`)');
}
