/**
 * One keep-alive connection pool per provider, driven by undici's fetch: measured about twice as
 * fast as Node 20's global fetch against a local server, and sized to the run's concurrency.
 */
import { Agent, fetch as undiciFetch } from 'undici';

/** What the SDK clients take: a fetch function, the options that route it through the pool, and close. */
export interface HttpPool {
  fetch: typeof globalThis.fetch;
  // `any`: each SDK and Node type `dispatcher` against their own copy of undici's types.
  fetchOptions: { dispatcher: any };
  close(): Promise<void>;
}

/** A pool of at most `concurrency` connections per origin. */
export function createHttpPool(concurrency: number, timeoutMs: number): HttpPool {
  const agent = new Agent({
    connections: Math.max(1, concurrency),
    // Shorter than servers' usual idle timeout (Node: 5 s) so we, not the server, drop idle sockets.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    // The SDK's timeout stops waiting for headers; a body that stalls mid-way is undici's to stop.
    headersTimeout: 0,
    bodyTimeout: timeoutMs,
  });
  return {
    // undici's Response is what the SDKs read at run time; only the declared types differ.
    fetch: undiciFetch as unknown as typeof globalThis.fetch,
    fetchOptions: { dispatcher: agent },
    close: () => agent.close(),
  };
}
