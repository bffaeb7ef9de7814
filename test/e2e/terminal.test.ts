/**
 * The progress display as a user sees it: the built CLI in a real pseudo-terminal (util-linux
 * `script`, its size set with `stty`), its output replayed into a headless terminal emulator
 * (@xterm/headless) to read the screen it leaves.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import xterm from '@xterm/headless';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { failFirst, startFakeServer, type FakeServer } from '../fake-server/server.js';
import { BIN, baseEnv, tempDir } from './cli.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
const ROWS = 120;
const BAR = /[\u2588\u2591]/u;

let server: FakeServer;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  // Slow enough answers that the display is redrawn many times during a run.
  server = await startFakeServer({ latencyMs: 40 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  ({ dir, cleanup } = tempDir());
  const lines = ['id,review'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${i},review number ${i}`);
  writeFileSync(path.join(dir, 'in.csv'), lines.join('\n') + '\n');
});
afterEach(() => cleanup());

/** Runs a shell command in a pseudo-terminal; resolves with everything the terminal received. */
function inTerminal(shell: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--flush', '--command', shell, '/dev/null'], {
      cwd: dir,
      env: baseEnv({ TERM: 'xterm-256color' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function llmapRun(extra = ''): string {
  const cmd = [process.execPath, BIN, 'run', 'in.csv', '-c', 'review', '-m', 'test', '--base-url', `${server.url}/v1`, '-o', 'out.csv', '--no-cache', '-j', '4'];
  return `${cmd.map((a) => `'${a}'`).join(' ')} ${extra}`;
}

/**
 * The pictures the display drew (cli-progress's redraws): each begins by moving the cursor up to
 * its first line (CSI n A), or follows an erase below the cursor (CSI n J), and writes each line
 * after a move to column 1 (CSI 1 G), up to the next escape sequence. The summary, written after
 * the last erase, is not one.
 */
function frames(output: string): string[][] {
  return output
    .split(/\x1b\[\d*[AJ]/)
    .map((chunk) => [...chunk.matchAll(/\x1b\[1G([^\x1b]*)/g)].map((m) => m[1].replace(/[\r\n]/g, '')))
    .map((lines) => lines.filter((line) => line.trim() !== ''))
    .filter((lines) => lines.length > 0 && !lines[0].startsWith('llmap: '));
}

/** The screen after `output`, as logical lines (rows the terminal wrapped joined back). */
async function screen(output: string, cols: number): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows: 60, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(output, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const row = buffer.getLine(y)!;
    const text = row.translateToString(true);
    if (row.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  term.dispose();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const width = (line: string) => [...line].length;

describe.skipIf(!hasScript)('progress in a terminal', () => {
  it.each([60, 80, 100, 120, 160])('at %i columns: fits every line, draws the bar from 80 up, leaves the summary intact', async (cols) => {
    const { code, output } = await inTerminal(`stty cols ${cols} rows 40 && exec ${llmapRun()}`);
    expect(code).toBe(0);
    const drawn = frames(output);
    expect(drawn.length).toBeGreaterThan(3);
    for (const frame of drawn) for (const line of frame) expect(width(line)).toBeLessThan(cols);
    const withBar = drawn.filter((f) => BAR.test(f[0]));
    if (cols >= 80) {
      expect(withBar.length).toBeGreaterThan(0);
      for (const f of withBar) expect(f[0]).toMatch(/^llmap [\u2588\u2591]{10,40} \d+\/120 rows \(\d+%\) · [\d.,]+ rows\/s/u);
      // The counters line: the concurrency and the pace fit from 80 columns up.
      expect(withBar.at(-1)![1]).toMatch(/^ {2}0 cached · 0 failed · .*req\/min · concurrency \d+/);
    }

    // What stays on screen: the summary, whole, and nothing of the display.
    const lines = await screen(output, cols);
    const first = lines.findIndex((l) => l.startsWith('llmap: '));
    expect(lines[first]).toMatch(/^llmap: 120 rows in [\d.]+m?s \([\d.,]+ rows\/s\): 120 sent, 0 cached, 0 skipped, 0 failed$/);
    expect(lines[first + 1]).toMatch(/^ {2}requests 120 \(0 retries\) · tokens in 360 \/ out 360 · latency p50 \d+ms p95 \d+ms$/);
    expect(lines[first + 2]).toMatch(/^ {2}pace [\d,]+ requests\/min · concurrency \d+ \(min \d+, max \d+\) · 0 rate-limited \(429\)$/);
    expect(lines.length).toBe(first + 3);
    expect(lines.some((l) => BAR.test(l) || l.includes('rows/s ·'))).toBe(false);
  });

  it('redraws at the new width when the terminal is resized during the run', async () => {
    // stty on the terminal makes the kernel send SIGWINCH to the run, as a window resize does.
    const { code, output } = await inTerminal(`stty cols 120 rows 40; ${llmapRun()} & pid=$!; sleep 0.8; stty cols 62; wait $pid`);
    expect(code).toBe(0);
    const drawn = frames(output);
    const widest = (f: string[]) => Math.max(...f.map(width));
    const firstNarrow = drawn.findIndex((f) => widest(f) < 62 && BAR.test(f[0]));
    expect(drawn.slice(0, Math.max(0, firstNarrow)).some((f) => widest(f) > 62)).toBe(true);
    expect(firstNarrow).toBeGreaterThan(0);
    for (const f of drawn.slice(firstNarrow)) expect(widest(f)).toBeLessThan(62);
    const lines = await screen(output, 62);
    expect(lines.some((l) => /^llmap: 120 rows in /.test(l))).toBe(true);
  });

  it("says what every row is waiting for during a server's retry-after", async () => {
    // A limit, not noise: the headers say the window is used up, so every row waits (README "Rate limits").
    const spent = { 'x-ratelimit-limit-requests': '6000', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '3s' };
    server.setBehavior(failFirst(1, { status: 429, retryAfter: 3, headers: spent }));
    const { code, output } = await inTerminal(`stty cols 100 rows 40 && exec ${llmapRun()}`);
    expect(code).toBe(0);
    const waits = frames(output).filter((f) => f.some((l) => l.startsWith('  waiting ')));
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0][2]).toMatch(/^ {2}waiting [123]s for the server's retry-after \(429\); every row is held$/);
    // Once the hold is over the line goes away.
    expect(frames(output).at(-1)!.some((l) => l.startsWith('  waiting '))).toBe(false);
  });
});
