import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, baseEnv, runCli } from './cli.js';
import { dir, server, useServerAndTempDir } from './fixture.js';

useServerAndTempDir();

function input(rows: number): string {
  const p = path.join(dir, 'in.csv');
  writeFileSync(p, 'text\n' + Array.from({ length: rows }, (_, i) => `row ${i}`).join('\n') + '\n');
  return p;
}

function start(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { env: baseEnv() });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, stderr: () => stderr, exit };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

const common = () => ['-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--cache-dir', path.join(dir, 'c')];

describe('interrupts', () => {
  it('first Ctrl-C lets the calls in flight finish and caches them; the rerun does not pay for them again', async () => {
    const file = input(40);
    const out = path.join(dir, 'out.csv');
    server.setBehavior(() => ({ delayMs: 400 }));
    const run = start([file, ...common(), '-j', '4', '-o', out]);
    // The first call goes alone (its headers may state a limit); once it is answered, 4 at a time.
    await until(() => server.requests.length === 5);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(server.requests).toHaveLength(5); // nothing new started after the signal
    expect(run.stderr()).toContain('SIGINT: starting no new calls; waiting up to 10s for the calls in flight');
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(`${out}.partial`, 'utf8')).toBe(
      'text,response\n' + [0, 1, 2, 3, 4].map((i) => `row ${i},echo:row ${i}\n`).join(''),
    );

    server.reset();
    server.setBehavior(undefined);
    const rerun = await runCli(['run', file, ...common(), '-o', out, '-q']);
    expect(rerun.code).toBe(0);
    expect(server.requests).toHaveLength(35);
  });

  it('a second Ctrl-C aborts calls that hang, at once', async () => {
    const file = input(10);
    const out = path.join(dir, 'out.csv');
    server.setBehavior((_req, n) => (n <= 2 ? undefined : { hang: true }));
    const run = start([file, ...common(), '-j', '1', '-o', out]);
    await until(() => server.requests.length === 3);
    run.child.kill('SIGINT');
    await until(() => run.stderr().includes('starting no new calls'));
    const t0 = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(run.stderr()).toContain('SIGINT again: aborting the calls in flight');
    expect(readFileSync(`${out}.partial`, 'utf8')).toBe('text,response\nrow 0,echo:row 0\nrow 1,echo:row 1\n');
  });

  it('the grace period ends a hung call by itself (--grace 200ms); SIGTERM exits 143', async () => {
    const file = input(10);
    const out = path.join(dir, 'out.csv');
    server.setBehavior((_req, n) => (n <= 1 ? undefined : { hang: true }));
    const run = start([file, ...common(), '-j', '1', '-o', out, '--grace', '200ms', '--report', path.join(dir, 'r.json')]);
    await until(() => server.requests.length === 2);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(143);
    expect(readFileSync(`${out}.partial`, 'utf8')).toBe('text,response\nrow 0,echo:row 0\n');
    const report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
    expect(report.exitCode).toBe(143);
    expect(report.stopped).toBe('signal SIGTERM');
    expect(report.rows).toMatchObject({ sent: 1, failed: 0 });
  });

  it('--timeout ends a call that never answers and the row is retried', async () => {
    const file = input(3);
    server.setBehavior((_req, n) => (n === 2 ? { hang: true } : undefined));
    const res = await runCli(['run', file, ...common(), '-j', '1', '--timeout', '300ms', '--report', path.join(dir, 'r.json'), '-q']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('text,response\nrow 0,echo:row 0\nrow 1,echo:row 1\nrow 2,echo:row 2\n');
    expect(server.requests).toHaveLength(4);
    expect(JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')).retries).toBe(1);
  });

  it('--retries 0 fails a row on its first 500 (exit 2) and --verbose says why', async () => {
    const file = input(2);
    server.setBehavior((_req, n) => (n === 1 ? { status: 500 } : undefined));
    const res = await runCli(['run', file, ...common(), '-j', '1', '--retries', '0', '--verbose', '-q']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('text,response\nrow 0,\nrow 1,echo:row 1\n');
    expect(res.stderr).toMatch(/^llmap: row 1: failed after 1 attempt\(s\): server error \(500\)/m);
    expect(server.requests).toHaveLength(2);
  });
});
