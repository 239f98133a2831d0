// Entry for workerd / Cloudflare Workers: the runtime forbids compiling wasm
// from bytes, so the .wasm is imported as a module (compiled at deploy time)
// and instantiated synchronously. Instantiation runs no crypto or randomness.
import wasmModule from './kms_wasm_bg.wasm';
import { initSync } from './kms_wasm.js';
import { markReady } from './core.js';

markReady(initSync({ module: wasmModule }));
export * from './core.js';
export * from './deploy.js';
