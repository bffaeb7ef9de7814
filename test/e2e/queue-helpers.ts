/**
 * For the `--queue` e2e tests: a Redis database of their own, `llmap worker` processes started and
 * stopped as a user would, and everything Redis holds as text (to look for secrets in it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { BIN, baseEnv } from './cli.js';

/** The URL of database `db` on the server at `url`, emptied first. */
export async function freshDb(url: string, db: number): Promise<string> {
  const dbUrl = `${url.replace(/\/\d*$/, '')}/${db}`;
  const redis = new Redis(dbUrl);
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
  return dbUrl;
}

/** A running `llmap worker`. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr(): string;
  exit: Promise<number | null>;
  /** Ctrl-C, and waits for it to exit. */
  stop(): Promise<number | null>;
}

/** Starts `llmap worker --queue url ...more` and waits until it takes chunks. */
export async function startWorker(url: string, env: Record<string, string> = {}, ...more: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, ...more], { env: baseEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await Promise.race([until(() => stderr.includes('taking chunks')), exit.then(() => Promise.reject(new Error(`worker exited: ${stderr}`)))]);
  return {
    child,
    stderr: () => stderr,
    exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exit;
    },
  };
}

/** Waits (polling) until `check` holds. */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

/** Every key of the database and its value(s), as one text. */
export async function dumpDb(url: string): Promise<string> {
  const redis = new Redis(url);
  try {
    const parts: string[] = [];
    for (const key of await redis.keys('*')) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
        : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
        : type === 'set' ? JSON.stringify(await redis.smembers(key))
        : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1))
        : type === 'stream' ? JSON.stringify(await redis.xrange(key, '-', '+'))
        : '';
      parts.push(`${key} ${value}`);
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}
