// Child process: prints cacheKey(JSON input from argv[2]) so tests can compare keys across processes.
const { cacheKey } = await import(new URL('../../../src/cache/key.ts', import.meta.url).href);
process.stdout.write(cacheKey(JSON.parse(process.argv[2])));
