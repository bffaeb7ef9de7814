// Child process for the Redis cache tests: opens the cache at URL and either stores COUNT answers
// keyed `${PREFIX}${i}` ("set"), or reads them and prints each as `key text` ("get"; "missing"
// for absent ones). Usage: node --import ./register-ts.mjs redis-child.mjs set|get URL PREFIX COUNT
const [op, uri, prefix, countArg] = process.argv.slice(2);
const count = Number(countArg);
const { openResponseCache } = await import(new URL('../../../src/cache/response-cache.ts', import.meta.url).href);
// dir is unused with a redis:// cache; it only names the default SQLite file.
const cache = await openResponseCache({ uri, dir: '/nonexistent' });
for (let i = 0; i < count; i++) {
  const key = `${prefix}${i}`;
  if (op === 'set') {
    await cache.set(key, { text: `answer from pid ${process.pid} for ${key}`, finishReason: 'stop', usage: { inputTokens: i }, storedAt: 1_700_000_000_000 + i });
  } else {
    const got = await cache.get(key);
    process.stdout.write(`${key} ${got ? got.text : 'missing'}\n`);
  }
}
await cache.close();
process.stdout.write(`${op} done\n`);
