/**
 * The flags of a command with the selected profile filling what they leave out: the one step every
 * model-calling command (`run`, `embed`, `ask`) takes before validating its options.
 */
import { UsageError } from '../errors.js';
import { mergeProfile } from './merge-profile.js';
import { loadProfiles, selectProfile } from './profiles.js';

/** Reads the profiles file (--config, else the default places) and merges --profile or its default. */
export async function loadProfileOptions<T extends { profile?: string; config?: string; apiKeyEnv?: string }>(
  raw: T,
  where: { cwd: string; env: NodeJS.ProcessEnv; keyRequired?: boolean },
): Promise<T> {
  const loaded = await loadProfiles({ configPath: raw.config, cwd: where.cwd, env: where.env });
  const profile = selectProfile(loaded, raw.profile);
  const merged = mergeProfile({ ...raw }, profile) as T;
  // A profile's key variable is named here so the message points at the file, not at a flag.
  if ((where.keyRequired ?? true) && profile && raw.apiKeyEnv === undefined && merged.apiKeyEnv !== undefined && !where.env[merged.apiKeyEnv]) {
    throw new UsageError(
      `missing API key: environment variable ${merged.apiKeyEnv} (named by "apiKeyEnv" of profile ${profile.name} in ${loaded!.file}) is not set`,
    );
  }
  return merged;
}
