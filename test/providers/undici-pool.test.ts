import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { Pool } from 'undici';

test("the Pool the transport loads from undici's lib is the Pool undici exports", async () => {
  const deep = (await import('undici/lib/dispatcher/pool.js')).default;
  expect(deep).toBe(Pool);
  // And it resolves to the installed undici, not a copy elsewhere.
  expect(createRequire(import.meta.url).resolve('undici/lib/dispatcher/pool.js')).toContain('node_modules/undici/lib/dispatcher/pool.js');
});
