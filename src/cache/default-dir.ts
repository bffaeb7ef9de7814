/**
 * Where the cache lives when the user does not say.
 */
import os from 'node:os';
import path from 'node:path';

/** `$XDG_CACHE_HOME/llmap` when set to an absolute path, else `~/.cache/llmap`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says a relative path in these variables is invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'llmap');
  return path.join(home, '.cache', 'llmap');
}
