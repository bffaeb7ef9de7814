const NEWLINE = 0x0a;

/**
 * The lines of a UTF-8 byte stream, blank ones included (so a caller can number them), in one batch
 * per chunk: a caller pays no await per line. A BOM before the first line is dropped; a '\r' before
 * a '\n' is kept (JSON allows it as trailing whitespace).
 */
export async function* lineBatches(chunks: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  let pieces: Buffer[] = [];
  let first = true;
  const bomless = (text: string): string => {
    if (!first) return text;
    first = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  for await (const chunk of chunks) {
    const batch: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (pieces.length > 0) {
        pieces.push(chunk.subarray(start, nl));
        batch.push(bomless(Buffer.concat(pieces).toString('utf8')));
        pieces = [];
      } else {
        batch.push(bomless(chunk.toString('utf8', start, nl)));
      }
      start = nl + 1;
    }
    if (start < chunk.length) pieces.push(chunk.subarray(start));
    if (batch.length > 0) yield batch;
  }
  if (pieces.length > 0) yield [bomless(Buffer.concat(pieces).toString('utf8'))];
}

/** Whether a line holds nothing but whitespace. */
export function isBlank(text: string): boolean {
  return text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim() === '');
}
