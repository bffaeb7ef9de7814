// Child process for the cache tests: opens the disk cache in DIR and sets COUNT entries keyed
// `${PREFIX}${i}` (COUNT 0 = until killed), printing "set i committed" after each set resolves.
// With GATE = 'gate' it prints "ready" once open and waits for a line on stdin before writing, so
// tests can make two writers overlap.
// Usage: node --import ./register-ts.mjs cache-writer.mjs DIR PREFIX COUNT [gate]
import { once } from 'node:events';

const [dir, prefix, countArg, gate] = process.argv.slice(2);
const count = Number(countArg);
const { openResponseCache } = await import(new URL('../../../src/cache/response-cache.ts', import.meta.url).href);
const cache = await openResponseCache({ dir });
if (gate === 'gate') {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.pause();
}
const filler = 'x'.repeat(400);
for (let i = 0; count === 0 || i < count; i++) {
  await cache.set(`${prefix}${i}`, {
    text: `answer ${prefix}${i} ${filler}`,
    finishReason: 'stop',
    usage: { inputTokens: i, outputTokens: 1 },
    storedAt: Date.now(),
  });
  process.stdout.write(`set ${i} committed\n`);
}
await cache.close();
process.stdout.write('done\n');
