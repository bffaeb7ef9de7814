import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * The one place parquet-wasm (the Rust arrow-rs Parquet reader and writer, compiled to WebAssembly)
 * is loaded. Loaded only for Parquet input or output: compiling its 5 MB of WebAssembly costs start-up.
 */
export type ParquetWasm = typeof import('parquet-wasm/esm');

/** A compiled WebAssembly.Module (typed here: the DOM lib that declares WebAssembly is not loaded). */
export type WasmModule = { readonly [Symbol.toStringTag]: string };
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };

let compiled: Promise<WasmModule> | undefined;
let loaded: Promise<ParquetWasm> | undefined;

/**
 * parquet-wasm's WebAssembly, compiled once per process. A worker thread instantiates this same
 * module (it can be posted to it), so the machine code is shared rather than compiled again.
 */
export function parquetWasmModule(): Promise<WasmModule> {
  compiled ??= readFile(createRequire(import.meta.url).resolve('parquet-wasm/esm/parquet_wasm_bg.wasm')).then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

/** This thread's instance of parquet-wasm, of `module` when given (one posted by another thread). */
export function loadParquetWasm(module?: WasmModule): Promise<ParquetWasm> {
  loaded ??= (async () => {
    const [pw, wasm] = await Promise.all([import('parquet-wasm/esm'), module ?? parquetWasmModule()]);
    pw.initSync({ module: wasm });
    return pw;
  })();
  return loaded;
}
