/**
 * The set-up most e2e files share: one fake provider server for the file, reset before each test,
 * and a fresh temp folder per test. Exported as live bindings, so a test reads `server` and `dir`
 * as if they were its own variables.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { tempDir } from './cli.js';

/** The file's fake server (set by useServerAndTempDir's hooks). */
export let server: FakeServer;
/** This test's temp folder (set by useServerAndTempDir's hooks). */
export let dir: string;

/** Registers the hooks: call once at the top of a test file. */
export function useServerAndTempDir(): void {
  let cleanup: (() => void) | undefined;
  beforeAll(async () => {
    server = await startFakeServer();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.reset();
    ({ dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup?.());
}
