// Entry for browsers and bundlers: the .wasm loads on first use through
// `new URL('./kms_wasm_bg.wasm', import.meta.url)`, which bundlers follow. The compiled
// module is kept so that a Worker can hash signed messages beside WebCrypto (hash-worker.js).
import { initSync } from './kms_wasm.js';
import { useExternalSha384, useLoader, usePrefault } from './core.js';
import { KmsWasmError } from './errors.js';
import { blobWorker, helperWorker } from './hash-worker.js';

// The module uses WebAssembly SIMD, which an engine older than Chrome 91, Firefox 89 or
// Safari 16.4 cannot compile. This smallest SIMD module (a function returning v128.const 0)
// tells that apart from other compile failures, so the error can say so.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, ...new Array(16).fill(0), 11]);
const unsupported = () =>
  new KmsWasmError({ name: 'UnsupportedRuntimeError', message: 'this JavaScript engine cannot run WebAssembly SIMD, which kms-wasm needs (Chrome 91, Firefox 89, Safari 16.4 or later)' });

let wasmModule;
useLoader(async () => {
  const url = new URL('./kms_wasm_bg.wasm', import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`failed to fetch ${url}: ${response.status} ${response.statusText}`);
  // compileStreaming needs exactly the application/wasm type (a parameter after it is refused too);
  // a server without it gets the slower path.
  const streamable = typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type') === 'application/wasm';
  try {
    wasmModule = streamable ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer());
  } catch (e) {
    throw e instanceof WebAssembly.CompileError && !WebAssembly.validate(SIMD_PROBE) ? unsupported() : e;
  }
  // Instantiating a compiled module synchronously is allowed on the main thread.
  return initSync({ module: wasmModule });
});
const helper = helperWorker(blobWorker(() => wasmModule));
useExternalSha384(helper.sha384);
usePrefault({ allocate: helper.allocate });
export * from './core.js';
export * from './deploy.js';
