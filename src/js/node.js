// Entry for Node: read the .wasm from disk and instantiate it synchronously
// (the browser loader would try to fetch a file: URL, which Node's fetch refuses).
import { readFileSync } from 'node:fs';
import { initSync } from './kms_wasm.js';
import { markReady } from './core.js';

markReady(initSync({ module: readFileSync(new URL('./kms_wasm_bg.wasm', import.meta.url)) }));
export * from './core.js';
