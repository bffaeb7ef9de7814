/**
 * An undici dispatch handler that gathers one reply (status, raw headers, body bytes) and settles a
 * promise. `pool.request()` would wrap every reply in a Readable stream, parse every header into an
 * object and add a listener to the abort signal; against a fast local server that work costs more
 * than the HTTP exchange itself, and we read three headers at most.
 */
import type { HeaderSource } from './rate-limit-headers.js';

/** A server's answer. */
export interface JsonReply {
  status: number;
  headers: HeaderSource;
  /** The body as text (parsed by the caller, so a bad body is its error to name). */
  text: string;
}

/** Gathers one reply; `abort` ends it early with `reason`. */
export class ReplyCollector {
  private status = 0;
  private rawHeaders: Buffer[] | undefined;
  private chunks: Buffer[] = [];
  private abortRequest: ((err?: Error) => void) | undefined;
  private pendingAbort: unknown;
  private settled = false;

  constructor(
    private readonly resolve: (reply: JsonReply) => void,
    private readonly reject: (err: unknown) => void,
    /** Called once the reply is settled either way (to drop the collector from its abort group). */
    private readonly onSettled: (collector: ReplyCollector) => void,
  ) {}

  /** Ends the request with `reason` (now, or as soon as undici hands over its abort function). */
  abort(reason: unknown): void {
    if (this.settled) return;
    if (this.abortRequest) this.abortRequest(reason as Error);
    else this.pendingAbort = reason ?? new Error('aborted');
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortRequest = abort;
    if (this.pendingAbort !== undefined) abort(this.pendingAbort as Error);
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers come before the real one.
    if (status < 200) return true;
    this.status = status;
    this.rawHeaders = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settle()) {
      const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.resolve({ status: this.status, headers: rawHeaderSource(this.rawHeaders ?? []), text: body.toString('utf8') });
    }
  }

  onError(err: unknown): void {
    if (this.settle()) this.reject(err);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.onSettled(this);
    return true;
  }
}

/**
 * Header lookup over undici's raw [name, value, name, value, ...] list, decoded on the first
 * lookup, once: the rate-limit parser asks for half a dozen headers per reply.
 */
function rawHeaderSource(raw: Buffer[]): HeaderSource {
  let byName: Map<string, string> | undefined;
  return {
    get(name) {
      byName ??= decodeHeaders(raw);
      return byName.get(name.toLowerCase()) ?? null;
    },
  };
}

/** Lower-cased names to values; a repeated header's values joined with ', ' as HTTP allows. */
function decodeHeaders(raw: Buffer[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return headers;
}
