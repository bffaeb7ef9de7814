import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../../src/config/run-config.js';
import { budgetId, chunkJobId, queueSettings, settingsText } from '../../../src/engine/queue/chunk-job.js';

const env = { OPENAI_API_KEY: 'sk-secret-123' };

function config(more: Record<string, unknown> = {}) {
  return resolveRunConfig('in.csv', { column: 'q', model: 'gpt-4o-mini', queue: 'redis://127.0.0.1:6379/1', ...more }, env, () => '/tmp/llmap-cache');
}

describe('the settings a chunk carries', () => {
  it('name the key variable, never the key; the queue is the cache', () => {
    const c = config({ concurrency: '4', rpm: '600' });
    expect(c.cacheUri).toBe('redis://127.0.0.1:6379/1');
    const s = queueSettings(c);
    expect(s).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY', concurrency: 4, requestsPerMinute: 600, cache: { mode: 'rw' } });
    expect(settingsText(s)).not.toContain('sk-secret-123');
  });

  it('keep the variable named by --api-key-env when the coordinator does not have it', () => {
    const c = resolveRunConfig('in.csv', { column: 'q', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', apiKeyEnv: 'WORKER_KEY', queue: 'redis://h:1' }, {}, () => '/tmp/c');
    expect(queueSettings(c).apiKeyEnv).toBe('WORKER_KEY');
  });

  it("carry a profile's headers (profiles refuse key headers)", () => {
    expect(queueSettings(config({ headers: { 'X-Team': 'data' } })).headers).toEqual({ 'X-Team': 'data' });
  });

  it('have no cache with --no-cache', () => {
    expect(queueSettings(config({ cache: false })).cache).toBeUndefined();
  });
});

describe('--queue and --chunk-size', () => {
  it('name the flag when wrong', () => {
    expect(() => config({ queue: 'http://h:1' })).toThrow("expected --queue to be redis://HOST:PORT[/DB], got 'http://h:1'");
    expect(() => config({ queue: 'redis://u:pw@h:1/x' })).toThrow(
      "expected --queue to be redis://HOST:PORT[/DB] (the database after the port is a number, as in redis://127.0.0.1:6379/2), got 'redis://u:***@h:1/x'",
    );
    expect(() => config({ chunkSize: '0' })).toThrow("expected --chunk-size to be a whole number from 1 to 100000, got '0'");
    expect(() => config({ queue: undefined, chunkSize: '10' })).toThrow('--chunk-size is the size of the chunks of --queue; add --queue redis://HOST:PORT');
    expect(() => config({ cache: 'sqlite:/tmp/x.sqlite' })).toThrow("with --queue the workers cache answers in the queue's Redis; drop --cache (or give --no-cache)");
  });

  it('default to chunks of 200 rows', () => {
    expect(config().queue).toEqual({ url: 'redis://127.0.0.1:6379/1', chunkSize: 200 });
  });
});

describe('chunk ids', () => {
  const s = settingsText(queueSettings(config()));

  it('are the same for the same settings, position and prompts, so a run again finds its chunks', () => {
    expect(chunkJobId(s, 0, ['a', 'b'])).toBe(chunkJobId(s, 0, ['a', 'b']));
  });

  it('differ when a prompt, the position or a setting differs', () => {
    const id = chunkJobId(s, 0, ['a', 'b']);
    expect(chunkJobId(s, 0, ['a', 'c'])).not.toBe(id);
    expect(chunkJobId(s, 0, ['ab', ''])).not.toBe(chunkJobId(s, 0, ['a', 'b']));
    expect(chunkJobId(s, 200, ['a', 'b'])).not.toBe(id);
    expect(chunkJobId(settingsText(queueSettings(config({ temperature: '0.5' }))), 0, ['a', 'b'])).not.toBe(id);
  });

  it('share one budget per endpoint, model and key variable, whatever else differs', () => {
    expect(budgetId(queueSettings(config({ temperature: '0.5' })))).toBe(budgetId(queueSettings(config())));
    expect(budgetId(queueSettings(config({ model: 'gpt-4o' })))).not.toBe(budgetId(queueSettings(config())));
  });
});
