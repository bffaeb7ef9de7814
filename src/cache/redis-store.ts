/**
 * The `redis://` store: one Redis server shared by several machines or CI jobs.
 *
 * A set resolves once Redis has acknowledged it; whether it survives a Redis restart is the
 * server's persistence setting (RDB/AOF), not ours.
 */
import KeyvRedis from '@keyv/redis';
import { UsageError, describeError } from '../errors.js';

/** How long to wait for the server to accept a connection (ms). */
const CONNECT_TIMEOUT_MS = 5_000;
/** Reconnect attempts before a lost connection fails the commands waiting on it (~3 s). */
const MAX_RECONNECTS = 5;
/** Retries of the first connection: a server that is not there should fail the run at once. */
const MAX_FIRST_CONNECT_RETRIES = 2;

/**
 * Connects to `url` and returns the keyv adapter (keys are stored as `llm::<key>`); throws a
 * UsageError naming `shown` (the URL without its password) when the server cannot be reached.
 */
export async function openRedisStore(url: string, shown: string): Promise<KeyvRedis<string>> {
  let connected = false;
  const store = new KeyvRedis<string>(
    {
      url,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        // The default retries forever, so a CLI pointed at a dead server would hang: give up soon.
        reconnectStrategy: (retries: number, cause: Error) =>
          retries >= (connected ? MAX_RECONNECTS : MAX_FIRST_CONNECT_RETRIES) ? cause : Math.min(100 * 2 ** retries, 2_000),
      },
    },
    // Without throwOnErrors the adapter swallows command errors: a failed set would look stored.
    { namespace: 'llm', throwOnConnectError: true, throwOnErrors: true },
  );
  let lastError: unknown;
  store.on('error', (err: unknown) => (lastError = err));
  try {
    await store.getClient();
    connected = true;
  } catch (err) {
    // The adapter replaces the cause with a generic message; the 'error' event carried the real one.
    const why = describeError(lastError ?? err);
    throw new UsageError(`cannot connect to the Redis cache at ${shown}: ${why}; start the server or choose another --cache`, {
      cause: lastError ?? err,
    });
  }
  return store;
}
