// A Redis server for the Redis cache tests: $LLMAP_TEST_REDIS_URL when set (CI starts one with
// .ci/start-redis.sh), else a redis-server started here on a free loopback port, else none (the
// tests skip with a visible reason).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A server to test against, or why there is none. */
export interface TestRedis {
  /** redis://127.0.0.1:PORT, or undefined when no server could be had. */
  url?: string;
  /** Why there is no server. */
  reason?: string;
  /** Stops the server if this helper started it. */
  stop(): Promise<void>;
}

/** Finds or starts a Redis server. */
export async function testRedis(env: NodeJS.ProcessEnv = process.env): Promise<TestRedis> {
  const given = env.LLMAP_TEST_REDIS_URL;
  if (given) return { url: given, stop: async () => undefined };
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    return {
      reason: 'redis-server is not installed and LLMAP_TEST_REDIS_URL is not set (run .ci/start-redis.sh, or apt-get install redis-server)',
      stop: async () => undefined,
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmap-test-redis-'));
  let lastLog = '';
  // Another process may take the free port before redis binds it: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = await readyOrExit(child, (line) => (lastLog = line));
    if (ready) {
      return {
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          if (child.exitCode === null) {
            child.kill('SIGTERM');
            await once(child, 'exit');
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { reason: `redis-server did not start: ${lastLog}`, stop: async () => undefined };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Resolves true once redis logs that it accepts connections, false if it exits first. */
function readyOrExit(child: ChildProcess, onLine: (line: string) => void): Promise<boolean> {
  return new Promise((resolve) => {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        onLine(line.trim());
        if (line.includes('Ready to accept connections')) resolve(true);
      }
    });
    child.stderr!.resume();
    child.on('exit', () => resolve(false));
    child.on('error', () => resolve(false));
  });
}
