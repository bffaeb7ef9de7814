/**
 * The bytes in an ArrayBuffer of their own, so that transferring that buffer to another thread
 * detaches nothing else (a view into a pool, a column's data, WebAssembly memory is copied first).
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const own = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return own ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}
