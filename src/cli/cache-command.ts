/**
 * `llmap cache stats|clear|prune`: look into and trim the response cache. The functions return the
 * text to print, so tests check exactly what a user sees.
 */
import type { Command } from 'commander';
import { defaultCacheDir } from '../cache/default-dir.js';
import { describeCacheLocation, parseCacheUri } from '../cache/cache-uri.js';
import type { CacheAdmin } from '../cache/cache-admin.js';
import { parseAge } from '../config/parse-values.js';
import type { CliContext } from './context.js';

/** Which cache a management command works on. */
export interface CacheTarget {
  /** `--cache` URI; default `sqlite:<dir>/cache.sqlite`. */
  uri?: string;
  /** `--cache-dir`. */
  dir: string;
}

/** `llmap cache stats`: entries, size, oldest and newest store time. */
export async function cacheStats(target: CacheTarget): Promise<string> {
  return withAdmin(target, async (admin, shown) => {
    const s = await admin.stats();
    const lines = [
      `cache:   ${shown}`,
      `entries: ${s.entries.toLocaleString('en-US')}`,
      `size:    ${formatBytes(s.bytes)} (${s.bytes.toLocaleString('en-US')} bytes: ${s.bytesOf})`,
    ];
    if (s.oldest !== undefined) lines.push(`oldest:  ${new Date(s.oldest).toISOString()}`);
    if (s.newest !== undefined) lines.push(`newest:  ${new Date(s.newest).toISOString()}`);
    return lines.join('\n');
  });
}

/** `llmap cache clear`: removes every entry. */
export async function cacheClear(target: CacheTarget): Promise<string> {
  return withAdmin(target, async (admin, shown) => `removed ${entries(await admin.clear())} from ${shown}`);
}

/** `llmap cache prune --older-than 30d`: removes entries stored more than `olderThanMs` before `now`. */
export async function cachePrune(target: CacheTarget & { olderThanMs: number; now?: number }): Promise<string> {
  const before = (target.now ?? Date.now()) - target.olderThanMs;
  return withAdmin(target, async (admin, shown) => {
    const removed = await admin.prune(before);
    const left = (await admin.stats()).entries;
    return `removed ${entries(removed)} stored before ${new Date(before).toISOString()} from ${shown}; ${entries(left)} left`;
  });
}

/** Adds `llmap cache stats|clear|prune` to `program`. */
export function registerCacheCommand(program: Command, cli: CliContext): void {
  const cache = program.command('cache').description('look into or trim the response cache');
  const target = (opts: { cache?: string; cacheDir?: string }): CacheTarget => ({
    uri: opts.cache,
    dir: opts.cacheDir ?? defaultCacheDir(cli.env),
  });
  const print = (text: string): void => void cli.stdout.write(text + '\n');
  const withTargetOptions = (cmd: Command): Command =>
    cmd
      .option('--cache-dir <dir>', 'cache folder (default $XDG_CACHE_HOME/llmap, else ~/.cache/llmap)')
      .option('--cache <uri>', 'the store: sqlite:PATH, file:PATH.json or redis://HOST:PORT[/DB] (default sqlite:<cache-dir>/cache.sqlite)');

  withTargetOptions(cache.command('stats').description('count entries, bytes used, oldest and newest answer')).action(
    async (opts: { cache?: string; cacheDir?: string }) => print(await cacheStats(target(opts))),
  );
  withTargetOptions(cache.command('clear').description('remove every cached answer')).action(
    async (opts: { cache?: string; cacheDir?: string }) => print(await cacheClear(target(opts))),
  );
  withTargetOptions(cache.command('prune').description('remove answers stored longer ago than --older-than'))
    .requiredOption('--older-than <duration>', 'age such as 30d, 12h or 90m')
    .action(async (opts: { cache?: string; cacheDir?: string; olderThan: string }) =>
      print(await cachePrune({ ...target(opts), olderThanMs: parseAge('--older-than', opts.olderThan) })),
    );
}

async function withAdmin(target: CacheTarget, use: (admin: CacheAdmin, shown: string) => Promise<string>): Promise<string> {
  const location = parseCacheUri(target.uri, target.dir);
  // Loaded only when a cache command runs: it brings keyv and the store's driver.
  const { openCacheAdmin } = await import('../cache/cache-admin.js');
  const admin = await openCacheAdmin(location);
  try {
    return await use(admin, describeCacheLocation(location));
  } finally {
    await admin.close();
  }
}

function entries(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'entry' : 'entries'}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}
