/** A fake provider server that lives exactly as long as one piece of benchmark work. */
import path from 'node:path';
import { onCleanup } from './cleanup.js';
import { startServerProcess } from './fake-server.js';

/**
 * Starts test/fake-server/cli.js with `args` (a process of its own, so it never shares the CPU
 * time of the process measuring), runs `work(url)`, and stops the server however work ends.
 */
export async function withFakeServer(args, dir, work) {
  const server = await startServerProcess(args, path.join(dir, `server-${Date.now()}.json`));
  // stop() sends SIGTERM before its first await, so calling it from an exit handler still works.
  const forget = onCleanup(() => void server.stop().catch(() => {}));
  try {
    return await work(server.url);
  } finally {
    forget();
    await server.stop();
  }
}
