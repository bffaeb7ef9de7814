/**
 * The HTML run report opened in a real browser: Debian's chromium, driven by playwright-core. The
 * page must draw every chart offline, without console errors, and show the numbers of its JSON.
 * The page and a screenshot of it are kept in .tmp/html-report/ to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount } from '../../src/report/format-units.js';
import type { RunReport } from '../../src/report/run-report.js';
import { startFakeServer, type FakeServer } from '../fake-server/server.js';
import { ROOT, runCli } from './cli.js';

const CHROMIUM = process.env.LLMAP_TEST_CHROMIUM ?? '/usr/bin/chromium';
// CI (.ci/run) installs chromium and sets LLMAP_TEST_CHROMIUM: there a missing browser is a failure, not a skip.
const required = process.env.LLMAP_TEST_CHROMIUM !== undefined;
const available = existsSync(CHROMIUM);
if (!available && !required) console.warn(`html-report tests skipped: no browser at ${CHROMIUM} (apt-get install chromium)`);

const OUT = path.join(ROOT, '.tmp', 'html-report');
const KEY = 'sk-test-do-not-show-0123456789';
const ROWS = 150;
// The stroke of each chart's first series (assets/report-page.js), to find its pixels on the canvas.
const BLUE = [0x25, 0x63, 0xeb];
const PURPLE = [0x7c, 0x3a, 0xed];
const CHARTS: Record<string, number[]> = {
  'chart-rows': BLUE,
  'chart-requests': BLUE,
  'chart-concurrency': PURPLE,
  'chart-latency': BLUE,
  'chart-histogram': BLUE,
  'chart-tokens': BLUE,
  'chart-cache': BLUE,
};

let server: FakeServer;
let browser: BrowserContext;
let profile: string;
let report: RunReport;

function promptOf(body: any): string {
  return String(body?.messages?.at(-1)?.content ?? '');
}

beforeAll(async () => {
  if (!available) return;
  mkdirSync(OUT, { recursive: true });
  server = await startFakeServer({
    apiKey: KEY,
    // Short answers: fewer output tokens than input ones, so the two token lines do not overlap.
    answer: () => 'fine',
    latency: (_req, n) => 20 + (n % 7) * 15,
    // Two rows always refused (they end failed, with example rows in the report); some 429s and 5xx on the way.
    behavior: (req, n) => {
      const prompt = promptOf(req.body);
      if (prompt === 'review number 7' || prompt === 'review number 13') return { status: 400, message: 'context too long' };
      if (n % 19 === 0) return { status: 500 };
      if (n % 23 === 0) return { status: 429, retryAfterMs: 30 };
      return undefined;
    },
  });
  const lines = ['id,review'];
  for (let i = 1; i <= ROWS; i++) lines.push(`${i},review number ${i}`);
  writeFileSync(path.join(OUT, 'in.csv'), lines.join('\n') + '\n');
  rmSync(path.join(OUT, 'cache'), { recursive: true, force: true });
  // -j 3 keeps the run a few seconds long: each per-second series then has several points to draw.
  const args = ['run', 'in.csv', '-c', 'review', '-m', 'gpt-4o-mini', '--base-url', `${server.url}/v1`, '--api-key-env', 'TEST_KEY', '-j', '3'];
  const env = { TEST_KEY: KEY };
  // A first run sends every row; a second, half cached, draws the page directly with --report run.html.
  const first = await runCli([...args, '--limit', '100', '-o', 'out.csv', '--cache-dir', 'cache', '--report', 'run.json'], { cwd: OUT, env });
  expect(first.code, first.stderr).toBe(2);
  const second = await runCli([...args, '-o', 'out.csv', '--cache-dir', 'cache', '--report', 'second.html'], { cwd: OUT, env });
  expect(second.code, second.stderr).toBe(2);
  const drawn = await runCli(['report', 'run.json', '-o', 'run.html'], { cwd: OUT });
  expect(drawn.code, drawn.stderr).toBe(0);
  expect(drawn.stdout + drawn.stderr).toBe('');
  report = JSON.parse(readFileSync(path.join(OUT, 'run.json'), 'utf8')) as RunReport;

  profile = mkdtempSync(path.join(tmpdir(), 'llmap-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1100, height: 900 },
    deviceScaleFactor: 1,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await server?.close();
});

/** Opens a page; returns it with the console errors, page errors and network requests it made. */
async function open(file: string) {
  const page = await browser.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${path.join(OUT, file)}`);
  await page.waitForFunction((n) => document.querySelectorAll('figure.chart[data-points]').length === n, Object.keys(CHARTS).length);
  return { page, problems, requests };
}

function valueAt(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<any>((o, k) => o?.[k], obj);
}

describe.skipIf(!available && !required)('the HTML run report in a browser', () => {
  it('draws every chart from the JSON report, offline and without errors, with the numbers of the JSON', async () => {
    const html = readFileSync(path.join(OUT, 'run.html'), 'utf8');
    expect(html.length).toBeLessThan(300_000);
    expect(html).not.toContain(KEY);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    // Without -o the page goes to stdout.
    const viaStdout = await runCli(['report', 'run.json'], { cwd: OUT });
    expect(viaStdout.code).toBe(0);
    expect(viaStdout.stdout).toBe(html);

    const { page, problems, requests } = await open('run.html');
    expect(problems).toEqual([]);
    expect(requests).toEqual([`file://${path.join(OUT, 'run.html')}`]);

    // Every chart has drawn its points, and its first series is on the canvas in its colour.
    for (const [id, rgb] of Object.entries(CHARTS)) {
      const drawn = await page.$eval(`#${id}`, (f) => Number((f as HTMLElement).dataset.points));
      expect(drawn, id).toBeGreaterThan(0);
      const painted = await page.$eval(
        `#${id} canvas`,
        (canvas, rgb) => {
          const c = canvas as HTMLCanvasElement;
          const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 200 && Math.abs(data[i] - rgb[0]) < 40 && Math.abs(data[i + 1] - rgb[1]) < 40 && Math.abs(data[i + 2] - rgb[2]) < 40) n++;
          }
          return n;
        },
        rgb,
      );
      expect(painted, `${id}: pixels of its first series`).toBeGreaterThan(30);
    }
    const series = report.series;
    expect(await page.$eval('#chart-rows', (f) => Number((f as HTMLElement).dataset.points))).toBe(2 * (series.t.length + 1));

    // The figures: each names its JSON field and shows its value.
    const figures = await page.$$eval('[data-field]', (els) =>
      els.map((e) => ({ field: e.getAttribute('data-field')!, value: e.getAttribute('data-value')!, text: e.textContent! })),
    );
    expect(figures.map((f) => f.field)).toEqual(expect.arrayContaining(['rows.total', 'rows.failed', 'requests', 'rateLimited', 'tokens.input', 'cost', 'latencyMs.p95', 'concurrency.max']));
    for (const f of figures) expect(Number(f.value), f.field).toBe(valueAt(report, f.field));
    const text = Object.fromEntries(figures.map((f) => [f.field, f.text]));
    expect(text['rows.total']).toBe(formatCount(100));
    expect(text['rows.failed']).toBe('2');
    expect(text['requests']).toBe(formatCount(report.requests));
    expect(text['rateLimited']).toBe(formatCount(report.rateLimited));
    expect(report.rateLimited).toBeGreaterThan(0);
    expect(series.serverErrors.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    // The page's data is the JSON report itself.
    const embedded = JSON.parse(await page.$eval('#report-data', (e) => e.textContent!));
    expect(embedded).toEqual(report);

    // The error kinds with their example rows, and the settings without the key.
    const errors = await page.$$eval('table.errors tr', (trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(errors).toEqual(report.errors.map((e) => [formatCount(e.count), e.message, e.rows.join(', ')]));
    expect(errors).toHaveLength(1);
    expect(errors[0][2]).toBe('7, 13');
    const settings = await page.$$eval('table.settings tr', (trs) => trs.map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td')!.textContent]));
    expect(settings).toEqual(expect.arrayContaining([['model', 'gpt-4o-mini'], ['input', 'in.csv']]));
    expect(JSON.stringify(settings)).not.toContain(KEY);

    await page.screenshot({ path: path.join(OUT, 'run.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('is what --report run.html writes at the end of a run, cache hits included', async () => {
    const { page, problems } = await open('second.html');
    expect(problems).toEqual([]);
    const embedded = JSON.parse(await page.$eval('#report-data', (e) => e.textContent!)) as RunReport;
    expect(embedded.rows).toEqual({ total: ROWS, sent: 50, cached: 98, skipped: 0, failed: 2 });
    expect(embedded.series.cached.reduce((a, b) => a + b, 0)).toBe(98);
    expect(await page.$eval('[data-field="rows.cached"]', (e) => e.textContent)).toBe('98');
    expect(await page.$eval('#chart-cache', (f) => Number((f as HTMLElement).dataset.points))).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUT, 'second.png'), fullPage: true });
    await page.close();
  }, 60_000);
});

describe('llmap report', () => {
  it('refuses a file that is not a run report, saying what to give it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'llmap-report-'));
    try {
      writeFileSync(path.join(dir, 'dry.json'), JSON.stringify({ llmapDryRun: 1, rows: 3 }));
      const r = await runCli(['report', 'dry.json', '-o', 'x.html'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('llmap: dry.json is not an llmap run report; give the file written by llmap run --report run.json\n');
      const missing = await runCli(['report', 'nope.json'], { cwd: dir });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^llmap: cannot read nope\.json: .*\n$/);
      expect(existsSync(path.join(dir, 'x.html'))).toBe(false);

      // A dry run has no series to draw: its report stays JSON, and an .html name is a mistake.
      writeFileSync(path.join(dir, 'in.csv'), 'id,review\n1,good\n');
      const dry = await runCli(['run', 'in.csv', '-c', 'review', '-p', 'echo', '--dry-run', '--report', 'dry.html'], { cwd: dir });
      expect(dry.code).toBe(1);
      expect(dry.stderr).toBe("llmap: a dry run's report is JSON (it has no charts): name a .json file for --report, not dry.html\n");
      expect(existsSync(path.join(dir, 'dry.html'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
