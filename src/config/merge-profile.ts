/**
 * Fills the run options a user did not give on the command line from the selected profile.
 * Flags always win; values come out as strings, as commander gives them, so the flag parsers of
 * run-config validate both sources the same way.
 */
import type { Profile } from './profiles.js';

/** Profile field → commander option name, for the fields that are plain values. */
const FIELDS = [
  ['provider', 'provider'],
  ['model', 'model'],
  ['baseURL', 'baseUrl'],
  ['apiKeyEnv', 'apiKeyEnv'],
  ['temperature', 'temperature'],
  ['maxTokens', 'maxTokens'],
  ['concurrency', 'concurrency'],
  ['rpm', 'rpm'],
  ['tpm', 'tpm'],
  ['system', 'system'],
  ['timeout', 'timeout'],
  ['schemaMode', 'schemaMode'],
  ['schemaRetries', 'schemaRetries'],
  ['mode', 'mode'],
] as const satisfies readonly (readonly [keyof Profile, string])[];

/** Fields that only make sense with the profile's own provider. */
const ENDPOINT_FIELDS = new Set<keyof Profile>(['model', 'baseURL', 'apiKeyEnv', 'apiKeyEnvs', 'headers', 'price']);

/**
 * The flags with every option they leave out taken from `profile`. `headers` and `price` are carried
 * as objects. When --provider names another provider than the profile's, the profile's model,
 * endpoint, key variable, headers and price are left out: they belong to its provider, and mixing
 * them would send one vendor's key or model id to another.
 */
export function mergeProfile(flags: Record<string, unknown>, profile: Profile | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...flags };
  if (profile === undefined) return merged;
  const otherProvider = flags.provider !== undefined && profile.provider !== undefined && flags.provider !== profile.provider;
  const keep = (field: keyof Profile) => profile[field] !== undefined && !(otherProvider && ENDPOINT_FIELDS.has(field));
  for (const [field, option] of FIELDS) {
    if (merged[option] === undefined && keep(field)) merged[option] = String(profile[field]);
  }
  // The list of keys goes with the profile's first key, not with one named by --api-key-env.
  if (flags.apiKeyEnv === undefined && keep('apiKeyEnvs')) merged.apiKeyEnvs = [...profile.apiKeyEnvs!];
  if (merged.headers === undefined && keep('headers')) merged.headers = { ...profile.headers };
  if (merged.price === undefined && keep('price')) merged.price = { ...profile.price };
  // --schema and --fields say the same thing: either flag replaces the profile's schema or fields.
  if (merged.schema === undefined && merged.fields === undefined) {
    if (keep('schema')) merged.schema = typeof profile.schema === 'string' ? profile.schema : JSON.stringify(profile.schema);
    else if (keep('fields')) merged.fields = profile.fields;
  }
  return merged;
}
