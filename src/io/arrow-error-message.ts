import { InputError } from '../errors.js';

/** An Arrow IPC file starts with these 6 bytes (then 2 of padding). */
const FILE_MAGIC = Buffer.from('ARROW1');
/** An Arrow IPC stream message starts with this continuation marker (since format 0.15). */
const CONTINUATION = Buffer.from([0xff, 0xff, 0xff, 0xff]);

/**
 * A one-line InputError for Arrow input apache-arrow failed on. `head` is the input's first bytes
 * (undefined when unknown): it tells an empty input, another format, and a broken Arrow file apart.
 */
export function arrowErrorMessage(name: string, head: Buffer | undefined, err: unknown): InputError {
  if (head?.length === 0) return new InputError(`'${name}' is empty: expected an Arrow IPC file or stream`, { cause: err });
  const prefix = `${name}: not a valid Arrow IPC file or stream`;
  if (head !== undefined && !startsWith(head, FILE_MAGIC) && !startsWith(head, CONTINUATION)) {
    return new InputError(`${prefix} (it does not start like one); if it is csv, tsv or jsonl, pass --input-format`, {
      cause: err,
    });
  }
  // apache-arrow's own words ("expected to read 1330795073 metadata bytes", or a TypeError from deep
  // inside the reader) do not help a user; they stay on the error's cause for --verbose.
  return new InputError(`${prefix} (it is truncated or corrupt)`, { cause: err });
}

function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}
