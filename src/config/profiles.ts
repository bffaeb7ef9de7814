/**
 * The profiles file: named sets of run options (provider, model, limits, price), so a run can say
 * `--profile fast` instead of ten flags. Keys are never in the file, only the variables holding them.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { ProfileSettings } from './profile-schema.js';

/** The file looked for in the working folder. */
export const LOCAL_PROFILES_FILE = 'llmap.config.json';

/** One profile, with its name. */
export interface Profile extends ProfileSettings {
  name: string;
}

/** A loaded, validated profiles file. */
export interface LoadedProfiles {
  /** The file as messages name it: as given to --config, `llmap.config.json`, or the absolute path. */
  file: string;
  /** Absolute path. */
  path: string;
  /** Profiles by name, in file order. */
  profiles: ReadonlyMap<string, Profile>;
  /** The profile used when --profile is not given. */
  defaultName?: string;
}

/** Where the profiles file is looked for, in order, when --config is not given. */
export function profileFileCandidates(cwd: string, env: NodeJS.ProcessEnv): { path: string; file: string }[] {
  return [
    { path: path.join(cwd, LOCAL_PROFILES_FILE), file: LOCAL_PROFILES_FILE },
    { path: userProfilesPath(env), file: userProfilesPath(env) },
  ];
}

/** `$XDG_CONFIG_HOME/llmap/config.json` when set to an absolute path, else `~/.config/llmap/config.json`. */
export function userProfilesPath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative path in these variables is invalid and must be ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'llmap', 'config.json');
}

/**
 * Reads the profiles file: `configPath` if given (it must exist), else the first of
 * ./llmap.config.json and the user's config file that exists (they are not merged). Undefined when
 * there is none. Throws UsageError naming the file, and the profile and field, when it is wrong.
 */
export async function loadProfiles(opts: { configPath?: string; cwd: string; env: NodeJS.ProcessEnv }): Promise<LoadedProfiles | undefined> {
  const candidates =
    opts.configPath === undefined
      ? profileFileCandidates(opts.cwd, opts.env)
      : [{ path: path.resolve(opts.cwd, opts.configPath), file: opts.configPath }];
  for (const candidate of candidates) {
    const text = await readText(candidate.path, candidate.file, opts.configPath !== undefined);
    if (text === undefined) continue;
    // Loaded only when there is a file: importing zod costs about 0.2 s of start-up.
    const { parseProfiles } = await import('./parse-profiles.js');
    return parseProfiles(text, candidate.file, candidate.path);
  }
  return undefined;
}

/**
 * The profile to run with: `name` (from --profile) if given, else the file's default, else none.
 * Throws UsageError for an unknown name or a --profile without a profiles file.
 */
export function selectProfile(loaded: LoadedProfiles | undefined, name?: string): Profile | undefined {
  if (name === undefined) {
    return loaded?.defaultName === undefined ? undefined : loaded.profiles.get(loaded.defaultName);
  }
  if (loaded === undefined) {
    throw new UsageError(
      `--profile ${name}: no profiles file found; create ${LOCAL_PROFILES_FILE} in this folder or ` +
        `$XDG_CONFIG_HOME/llmap/config.json (default ~/.config/llmap/config.json), or name one with --config`,
    );
  }
  const profile = loaded.profiles.get(name);
  if (profile === undefined) throw new UsageError(`unknown profile '${name}' in ${loaded.file}; ${namesText(loaded.profiles)}`);
  return profile;
}

/** `profiles are: a, b` or `the file has no profiles`, for messages. */
export function namesText(profiles: ReadonlyMap<string, Profile>): string {
  return profiles.size === 0 ? 'the file has no profiles' : `profiles are: ${[...profiles.keys()].join(', ')}`;
}

async function readText(absPath: string, file: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(absPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !required) return undefined;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new UsageError(`cannot read ${required ? `--config ${file}` : file}: ${why}`);
  }
}
