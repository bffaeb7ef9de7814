/**
 * The one place parquet-wasm (the Rust arrow-rs Parquet reader and writer, compiled to WebAssembly)
 * is loaded. Loaded only for Parquet input or output: compiling its 5 MB of WebAssembly costs start-up.
 */
export type ParquetWasm = typeof import('parquet-wasm');

let loaded: Promise<ParquetWasm> | undefined;

export function loadParquetWasm(): Promise<ParquetWasm> {
  loaded ??= import('parquet-wasm');
  return loaded;
}
