/**
 * Parses and validates the text of a profiles file into named profiles, with one-line messages that
 * name the file, the profile and the field.
 */
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { findJsonSyntaxError } from './json-syntax-error.js';
import { formatPath, knownFields, profilesFileSchema } from './profile-schema.js';
import { namesText, type LoadedProfiles, type Profile } from './profiles.js';

/** Validates the text of a profiles file; `file` names it in messages. */
export function parseProfiles(text: string, file: string, absPath: string = file): LoadedProfiles {
  const json = text.replace(/^\uFEFF/, ''); // editors on Windows may save a byte-order mark
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    const where = findJsonSyntaxError(json);
    const detail = where ? `${where.reason} at line ${where.line} column ${where.column}` : (err as Error).message;
    throw new UsageError(`${file}: not valid JSON (${detail})`);
  }
  const parsed = profilesFileSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(describeIssues(file, parsed.error.issues));

  const profiles = new Map<string, Profile>();
  for (const [name, settings] of Object.entries(parsed.data.profiles ?? {})) {
    const { apiKey: _never, apiKeyEnv, ...rest } = settings;
    const keys = apiKeyEnv === undefined ? {} : Array.isArray(apiKeyEnv) ? { apiKeyEnv: apiKeyEnv[0], apiKeyEnvs: apiKeyEnv } : { apiKeyEnv };
    profiles.set(name, { name, ...rest, ...keys });
  }
  const defaultName = parsed.data.default;
  if (defaultName !== undefined && !profiles.has(defaultName)) {
    throw new UsageError(`${file}: default: no profile named ${JSON.stringify(defaultName)}; ${namesText(profiles)}`);
  }
  return { file, path: absPath, profiles, defaultName };
}

/** One line for the first problem, with a count of the rest so a fix-and-rerun loop is not a surprise. */
function describeIssues(file: string, issues: z.core.$ZodIssue[]): string {
  const issue = issues[0];
  let where = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    where = [...issue.path, key];
    const known = knownFields(issue.path);
    message = /^api[_-]?key$/i.test(key)
      ? 'keys are never stored in the file; name the environment variable with "apiKeyEnv"'
      : `unknown field${known.length ? `; fields are: ${known.join(', ')}` : ''}`;
  }
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${file}: ${where.length ? formatPath(where) + ': ' : ''}${message}${more}`;
}
