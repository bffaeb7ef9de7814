import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, runCli } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

function bigCsv(rows: number): string {
  const p = path.join(dir, 'big.csv');
  writeFileSync(p, 'text\n' + Array.from({ length: rows }, (_, i) => `row ${i}`).join('\n') + '\n');
  return p;
}

describe('streaming', () => {
  it('writes the first rows to stdout long before the table is done', async () => {
    const input = bigCsv(400);
    server.setBehavior(() => ({ delayMs: 20 }));
    const child = spawn(process.execPath, [BIN, 'run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '-j', '4',
      '--cache-dir', path.join(dir, 'c'), '-q'], { env: baseEnv() });
    const firstLine = await new Promise<string>((resolve) => {
      let buf = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        if (buf.split('\n').length > 2) resolve(buf);
      });
    });
    // 400 rows at 4 × 20 ms take about 2 s; the first rows must already be out while most are unsent.
    const sentSoFar = server.requests.length;
    child.kill('SIGKILL');
    expect(firstLine.startsWith('text,response\nrow 0,echo:row 0\n')).toBe(true);
    expect(sentSoFar).toBeLessThan(300);
  });

  it('ends quietly with exit 0 when the reader closes the pipe (| head -1)', async () => {
    const input = bigCsv(3000);
    const res = await new Promise<{ code: number | null; stderr: string; out: string }>((resolve) => {
      const child = spawn('bash', ['-c', `set -o pipefail; node ${BIN} run ${input} -c text -p echo --no-cache -q | head -n 2; echo "status=\${PIPESTATUS[0]}" >&2`], {
        env: baseEnv(),
      });
      let stderr = '';
      let out = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, stderr, out }));
    });
    expect(res.out).toBe('text,response\nrow 0,row 0\n');
    expect(res.stderr).toBe('status=0\n');
  });

  it('SIGINT mid-run: exit 130, no file at the output path, the finished prefix kept as .partial', async () => {
    const input = bigCsv(200);
    server.setBehavior(() => ({ delayMs: 30 }));
    const out = path.join(dir, 'out.csv');
    const child = spawn(process.execPath, [BIN, 'run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '-j', '2',
      '-o', out, '--cache-dir', path.join(dir, 'c')], { env: baseEnv() });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (server.requests.length >= 20) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(existsSync(out)).toBe(false);
    const partial = readFileSync(`${out}.partial`, 'utf8').trimEnd().split('\n');
    expect(partial[0]).toBe('text,response');
    partial.slice(1).forEach((line, i) => expect(line).toBe(`row ${i},echo:row ${i}`));
    expect(partial.length).toBeGreaterThan(1);
    expect(stderr).toContain(`stopped by SIGINT; the rows finished so far are in ${out}.partial`);
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([]);

    // The rerun sends only what was not cached.
    const done = server.requests.length;
    server.reset();
    server.setBehavior(undefined);
    const rerun = await runCli(['run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '-o', out, '--cache-dir', path.join(dir, 'c'), '-q']);
    expect(rerun.code).toBe(0);
    expect(server.requests.length).toBeLessThanOrEqual(200 - (partial.length - 1));
    expect(server.requests.length).toBeGreaterThanOrEqual(200 - done);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(201);
  });

  it('prints plain progress lines when stderr is not a terminal', async () => {
    const input = bigCsv(30);
    const res = await runCli(['run', input, '-c', 'text', '-p', 'echo', '--no-cache']);
    expect(res.code).toBe(0);
    // A short run ends before the first periodic line: only the summary is printed.
    expect(res.stderr).toMatch(/^llmap: 30 rows in [^\n]+\n {2}requests 30 \(0 retries\)/);
  });
});
