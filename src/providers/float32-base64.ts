/**
 * Float32 vectors as base64 of their little-endian bytes: the `encoding_format: "base64"` of the
 * OpenAI embeddings API (a quarter of the JSON text of a float array, and exact), and how the
 * cache stores vectors. Float32Array is host-endian; every platform Node ships for is little-endian.
 */

/** The base64 text of `vector`'s bytes. */
export function float32ToBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

/** The vector in base64 text; undefined when it is not whole float32s (bad length or characters). */
export function float32FromBase64(text: string): Float32Array | undefined {
  // Buffer.from ignores characters outside the alphabet; a body cut short must not pass as a vector.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  // Copied: the Buffer may sit at an offset of a shared pool that is not a multiple of 4.
  const vector = new Float32Array(bytes.length / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}
