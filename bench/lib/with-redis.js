/** A throwaway redis-server for one piece of benchmark work (Debian's redis-server on 127.0.0.1). */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { onCleanup } from './cleanup.js';

/** Starts redis-server on a free loopback port in `dir`, runs `work(url)`, and stops it however work ends. */
export async function withRedis(dir, work) {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed (apt-get install redis-server)');
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const forget = onCleanup(() => child.kill('SIGKILL'));
  try {
    await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => {
        out += d;
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.on('exit', () => reject(new Error(`redis-server did not start: ${out.trim().split('\n').at(-1)}`)));
    });
    return await work(`redis://127.0.0.1:${port}`);
  } finally {
    forget();
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
