/**
 * Stops a run that can never succeed: a wrong --base-url (connection refused, unknown host, TLS
 * failure) or a wrong path (404 on every call) would otherwise fail every row one by one, with
 * retries, for hours on a large input. Only before the first success: once the endpoint has
 * answered right, a later outage is an outage, and is retried as any other failure.
 */
import { ProviderError } from '../errors.js';
import { deadEndpoint } from '../providers/errors.js';

/** Attempts that failed like this, with no success before, that stop the run. */
export const DEAD_AFTER = 4;

/** Counts attempts that found no usable endpoint until one succeeds. */
export class DeadEndpointBreaker {
  private deadAttempts = 0;
  private alive = false;
  private tripped: ProviderError | undefined;

  /** The error that stopped the run, once it did: no attempt is sent after it. */
  get stopped(): ProviderError | undefined {
    return this.tripped;
  }

  /** An attempt succeeded: the endpoint works, and the breaker never trips from now on. */
  succeeded(): void {
    this.alive = true;
  }

  /**
   * An attempt failed with `error`: returns the error that stops the run when this makes
   * DEAD_AFTER attempts in a row with no success, else undefined.
   */
  failed(error: ProviderError): ProviderError | undefined {
    if (this.alive) return undefined;
    if (!deadEndpoint(error)) {
      this.deadAttempts = 0;
      return undefined;
    }
    if (++this.deadAttempts < DEAD_AFTER) return undefined;
    this.tripped ??= new ProviderError(error.kind, `stopped after ${this.deadAttempts} attempts, none succeeded: ${error.message}`, {
      status: error.status,
      cause: error,
      stopsRun: true,
    });
    return this.tripped;
  }
}
