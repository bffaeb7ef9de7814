// `llmap cache stats|clear|prune` on the SQLite and JSON file stores, checked by the exact text printed.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openResponseCache } from '../../src/cache/response-cache.js';
import { cacheClear, cachePrune, cacheStats, registerCacheCommand } from '../../src/cli/cache-command.js';
import { parseAge } from '../../src/config/parse-values.js';
import type { CliContext } from '../../src/cli/context.js';
import { UsageError } from '../../src/errors.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00.000Z

let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmap-cmd-'));
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(tmp, { recursive: true, force: true });
});

/** Stores one answer per entry of `days`, stored that many days after T0. */
async function fill(uri: string | undefined, days: number[]): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  const cache = await openResponseCache({ uri, dir: tmp });
  for (const [i, d] of days.entries()) {
    vi.setSystemTime(T0 + d * DAY);
    await cache.set(`v1:${i}`, { text: `answer ${i}`, finishReason: 'stop', usage: {}, storedAt: Date.now() });
  }
  await cache.close();
  vi.useRealTimers();
}

const size = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

const stores = [
  {
    name: 'sqlite',
    uri: () => undefined,
    shown: () => `sqlite:${path.join(tmp, 'cache.sqlite')}`,
    bytes: () => size(path.join(tmp, 'cache.sqlite')) + size(path.join(tmp, 'cache.sqlite-wal')),
    bytesOf: 'database file and its write-ahead log',
  },
  {
    name: 'file',
    uri: () => `file:${path.join(tmp, 'answers.json')}`,
    shown: () => `file:${path.join(tmp, 'answers.json')}`,
    bytes: () => size(path.join(tmp, 'answers.json')),
    bytesOf: 'JSON file',
  },
];

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB (${n.toLocaleString('en-US')} bytes`;

for (const store of stores) {
  describe(`cache commands on the ${store.name} store`, () => {
    it('stats prints entries, size and the oldest and newest store times', async () => {
      await fill(store.uri(), [3, 0, 10]);
      const text = await cacheStats({ uri: store.uri(), dir: tmp });
      const bytes = store.bytes();
      expect(text).toBe(
        [
          `cache:   ${store.shown()}`,
          'entries: 3',
          `size:    ${bytes < 1024 ? `${bytes} B (${bytes} bytes` : kib(bytes)}: ${store.bytesOf})`,
          'oldest:  2024-01-01T00:00:00.000Z',
          'newest:  2024-01-11T00:00:00.000Z',
        ].join('\n'),
      );
    });

    it('stats of an empty cache has no oldest or newest line', async () => {
      await fill(store.uri(), []);
      const text = await cacheStats({ uri: store.uri(), dir: tmp });
      expect(text.split('\n').slice(0, 2)).toEqual([`cache:   ${store.shown()}`, 'entries: 0']);
      expect(text.split('\n')).toHaveLength(3);
    });

    it('prune removes only entries stored before the cutoff', async () => {
      await fill(store.uri(), [0, 1, 5, 9, 10]);
      const text = await cachePrune({ uri: store.uri(), dir: tmp, olderThanMs: 7 * DAY, now: T0 + 10 * DAY });
      expect(text).toBe(`removed 2 entries stored before 2024-01-04T00:00:00.000Z from ${store.shown()}; 3 entries left`);
      const cache = await openResponseCache({ uri: store.uri(), dir: tmp, memoryEntries: 0 });
      expect((await Promise.all([0, 1, 2, 3, 4].map((i) => cache.get(`v1:${i}`)))).map((r) => r?.text)).toEqual([
        undefined,
        undefined,
        'answer 2',
        'answer 3',
        'answer 4',
      ]);
      await cache.close();
      expect(await cachePrune({ uri: store.uri(), dir: tmp, olderThanMs: DAY, now: T0 + 10 * DAY })).toBe(
        `removed 1 entry stored before 2024-01-10T00:00:00.000Z from ${store.shown()}; 2 entries left`,
      );
    });

    it('clear removes every entry', async () => {
      await fill(store.uri(), [0, 1]);
      expect(await cacheClear({ uri: store.uri(), dir: tmp })).toBe(`removed 2 entries from ${store.shown()}`);
      expect((await cacheStats({ uri: store.uri(), dir: tmp })).split('\n')[1]).toBe('entries: 0');
      expect(await cacheClear({ uri: store.uri(), dir: tmp })).toBe(`removed 0 entries from ${store.shown()}`);
    });
  });
}

describe('cache commands on a cache that does not exist', () => {
  it('report an empty cache and create nothing', async () => {
    const dir = path.join(tmp, 'never-used');
    expect(await cacheStats({ dir })).toBe(
      `cache:   sqlite:${dir}/cache.sqlite\nentries: 0\nsize:    0 B (0 bytes: database file and its write-ahead log)`,
    );
    expect(await cacheClear({ uri: `file:${dir}/c.json`, dir })).toBe(`removed 0 entries from file:${dir}/c.json`);
    expect(await cachePrune({ dir, olderThanMs: DAY, now: T0 })).toBe(
      `removed 0 entries stored before 2023-12-31T00:00:00.000Z from sqlite:${dir}/cache.sqlite; 0 entries left`,
    );
    expect(existsSync(dir)).toBe(false);
  });
});

describe('llmap cache (commander)', () => {
  function cli(): { ctx: CliContext; out: () => string } {
    const stdout = new PassThrough();
    let out = '';
    stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const ctx: CliContext = {
      env: { XDG_CACHE_HOME: path.join(tmp, 'xdg') },
      stdin: new PassThrough(),
      stdout,
      stderr: new PassThrough() as unknown as NodeJS.WriteStream,
      onSignals: () => () => undefined,
    };
    return { ctx, out: () => out };
  }

  async function run(args: string[]): Promise<string> {
    const { ctx, out } = cli();
    const program = new Command('llmap').exitOverride();
    registerCacheCommand(program, ctx);
    await program.parseAsync(args, { from: 'user' });
    return out();
  }

  it('stats uses $XDG_CACHE_HOME/llmap by default and --cache-dir or --cache when given', async () => {
    const xdgFile = path.join(tmp, 'xdg', 'llmap', 'cache.sqlite');
    await fill(undefined, []); // a cache in --cache-dir tmp, so the default below is a different, missing one
    expect((await run(['cache', 'stats'])).split('\n')[0]).toBe(`cache:   sqlite:${xdgFile}`);
    expect((await run(['cache', 'stats', '--cache-dir', path.join(tmp, 'd')])).split('\n')[0]).toBe(
      `cache:   sqlite:${path.join(tmp, 'd', 'cache.sqlite')}`,
    );
    const json = path.join(tmp, 'c.json');
    expect(await run(['cache', 'stats', '--cache', `file:${json}`])).toBe(
      `cache:   file:${json}\nentries: 0\nsize:    ${size(json)} B (${size(json)} bytes: JSON file)\n`,
    );
  });

  it('prune --older-than 30d removes answers older than 30 days', async () => {
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now - 31 * DAY);
    const cache = await openResponseCache({ dir: tmp });
    await cache.set('v1:old', { text: 'old', finishReason: 'stop', usage: {}, storedAt: Date.now() });
    vi.setSystemTime(now - 29 * DAY);
    await cache.set('v1:new', { text: 'new', finishReason: 'stop', usage: {}, storedAt: Date.now() });
    await cache.close();
    vi.useRealTimers();
    const text = await run(['cache', 'prune', '--older-than', '30d', '--cache-dir', tmp]);
    expect(text).toMatch(
      new RegExp(`^removed 1 entry stored before \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z from sqlite:${tmp}/cache.sqlite; 1 entry left\\n$`),
    );
  });

  it('prune without --older-than is refused by commander', async () => {
    await expect(run(['cache', 'prune', '--cache-dir', tmp])).rejects.toThrow(
      "error: required option '--older-than <duration>' not specified",
    );
  });

  it('a malformed --cache is a UsageError saying what is expected', async () => {
    await expect(run(['cache', 'clear', '--cache', 'mysql://x'])).rejects.toThrow(
      "expected --cache to be sqlite:PATH, file:PATH.json or redis://HOST:PORT, got 'mysql://x'",
    );
  });
});

describe('parseAge', () => {
  it('reads ms, s, m, h, d and w', () => {
    expect(parseAge('--older-than', '500ms')).toBe(500);
    expect(parseAge('--older-than', '90m')).toBe(90 * 60_000);
    expect(parseAge('--older-than', '12h')).toBe(12 * 3_600_000);
    expect(parseAge('--older-than', '30d')).toBe(30 * DAY);
    expect(parseAge('--older-than', '1.5d')).toBe(36 * 3_600_000);
    expect(parseAge('--older-than', '2w')).toBe(14 * DAY);
  });

  for (const raw of ['30', '', 'd', '-1d', 'thirty days', '0d']) {
    it(`refuses '${raw}' (a bare number would mean seconds and empty the cache)`, () => {
      let caught: unknown;
      try {
        parseAge('--older-than', raw);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as Error).message).toBe(`expected --older-than to be an age with a unit such as 30d, 12h or 90m, got '${raw}'`);
    });
  }
});
