// Entry for browsers and bundlers: the .wasm loads on first use through
// `new URL('./kms_wasm_bg.wasm', import.meta.url)`, which bundlers follow. The compiled
// module is kept so that a Worker can hash signed messages beside WebCrypto (hash-worker.js).
import init from './kms_wasm.js';
import { useExternalSha384, useLoader } from './core.js';
import { blobWorker, workerSha384 } from './hash-worker.js';

let wasmModule;
useLoader(async () => {
  const url = new URL('./kms_wasm_bg.wasm', import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`failed to fetch ${url}: ${response.status} ${response.statusText}`);
  // compileStreaming needs the application/wasm type; a server without it gets the slower path.
  const streamable = typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type')?.split(';')[0].trim() === 'application/wasm';
  wasmModule = streamable ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer());
  return init({ module_or_path: wasmModule });
});
useExternalSha384(workerSha384(blobWorker(() => wasmModule)));
export * from './core.js';
