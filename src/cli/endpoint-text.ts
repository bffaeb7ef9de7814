/**
 * How listing commands show an endpoint and its key: the variable's name and whether it is set,
 * never its value.
 */
import type { Endpoint } from '../config/apply-preset.js';

const VENDOR_URLS: Record<string, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};

/** The base URL calls go to, or how it will be found. */
export function urlText(endpoint: Endpoint): string {
  if (endpoint.baseUrl !== undefined) return endpoint.baseUrl;
  if (endpoint.preset.name === 'azure') return '--base-url or AZURE_OPENAI_ENDPOINT';
  return VENDOR_URLS[endpoint.preset.kind] ?? '-';
}

/** `set`, `not set`, `not set (optional)`, or `-` when no key is sent. */
export function keyText(endpoint: Endpoint, env: NodeJS.ProcessEnv): string {
  if (endpoint.keyEnv === undefined) return '-';
  if (env[endpoint.keyEnv]) return 'set';
  return endpoint.keySource === 'preset' && !endpoint.preset.keyRequired ? 'not set (optional)' : 'not set';
}
