/**
 * llmap keeps going under faults: 2,000 rows through a seeded mix of 429s, 500s, reset sockets,
 * hangs and malformed bodies come back complete, in order, each answered (paid for) once.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { DEFAULT_FAULT_MIX, startFakeServer, type FakeServer } from '../fake-server/server.js';
import { runCli, tempDir } from './cli.js';

let server: FakeServer | undefined;
let cleanup: (() => void) | undefined;
afterEach(async () => {
  await server?.close();
  cleanup?.();
});

const ROWS = 2000;

test(
  '2,000 rows through 10% 429, 5% 500, 2% reset, 1% hang, 1% malformed: exit 0, every row once and in order, nothing paid twice',
  async () => {
    // A short retry-after-ms keeps the test fast; the engine honours it over its own backoff.
    server = await startFakeServer({ faults: { seed: 42, ...DEFAULT_FAULT_MIX, retryAfterMs: 20 } });
    const t = tempDir();
    cleanup = t.cleanup;
    const input = path.join(t.dir, 'in.csv');
    const out = path.join(t.dir, 'out.csv');
    const report = path.join(t.dir, 'report.json');
    const ids = Array.from({ length: ROWS }, (_, i) => i);
    writeFileSync(input, 'id,text\n' + ids.map((i) => `${i},row ${i}\n`).join(''));

    const res = await runCli([
      'run', input, '-c', 'text', '-m', 'test', '--base-url', `${server.url}/v1`, '--no-cache',
      '--timeout', '300ms', '--retries', '8', '-j', '16', '-o', out, '--report', report, '-q', '--verbose',
    ]);

    expect(res.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('id,text,response\n' + ids.map((i) => `${i},row ${i},echo:row ${i}\n`).join(''));

    // --verbose prints one line per retry, and one per failed row (none here).
    const lines = res.stderr.split('\n');
    expect(lines.filter((l) => /^llmap: row \d+: failed/.test(l))).toEqual([]);
    const retries = lines.filter((l) => /^llmap: row \d+: attempt /.test(l));
    const retryLine = /^llmap: row (\d+): attempt \d+ failed \((429|500|network|bad_response|timeout): [^\n]*\); retrying in \d+\.\ds$/;
    expect(retries.filter((l) => !retryLine.test(l))).toEqual([]);
    const reported = (kind: string) => retries.filter((l) => l.match(retryLine)![2] === kind);
    const { stats } = server;
    // Each fault was met, and each was retried; on a stalled machine llmap may time out first, so
    // it can report fewer of a kind than were sent (as timeouts), never more.
    for (const sent of [stats.rateLimited, stats.serverErrors, stats.resets, stats.hangs, stats.malformed]) expect(sent).toBeGreaterThan(0);
    expect(reported('429').length).toBeLessThanOrEqual(stats.rateLimited);
    expect(reported('500').length).toBeLessThanOrEqual(stats.serverErrors);
    expect(reported('network').length).toBeLessThanOrEqual(stats.resets);
    expect(reported('bad_response').length).toBeLessThanOrEqual(stats.malformed);
    expect(reported('timeout').length).toBeGreaterThanOrEqual(stats.hangs);
    expect(retries).toHaveLength(stats.requests - ROWS);

    // Every row answered, and answered once. A client pays twice for a prompt only when its own
    // timeout gave up on an answer that was coming anyway (a stalled machine can outlast 300 ms):
    // so each extra answer must match a timeout llmap reported for that row that was not a hang.
    const perRow = (outcome: string) => {
      const count = new Map<number, number>();
      for (const r of server!.requests) {
        if (r.outcome !== outcome) continue;
        const row = Number(String(r.body.messages.at(-1).content).replace('row ', ''));
        count.set(row, (count.get(row) ?? 0) + 1);
      }
      return (row: number) => count.get(row) ?? 0;
    };
    const answers = perRow('ok');
    const hangs = perRow('hang');
    const timeouts = new Map<number, number>();
    for (const l of reported('timeout')) {
      const row = Number(l.match(retryLine)![1]) - 1;
      timeouts.set(row, (timeouts.get(row) ?? 0) + 1);
    }
    expect(ids.filter((i) => answers(i) === 0)).toEqual([]);
    const paidTwice = ids.filter((i) => answers(i) - 1 > (timeouts.get(i) ?? 0) - hangs(i));
    expect(paidTwice).toEqual([]);

    // Every attempt llmap counted reached the server once: no hidden SDK retries.
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.rows).toEqual({ total: ROWS, sent: ROWS, cached: 0, skipped: 0, failed: 0 });
    expect(json.requests).toBe(stats.requests);
    expect(json.retries).toBe(stats.requests - ROWS);
  },
  60_000,
);
