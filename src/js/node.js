// Entry for Node: read the .wasm from disk and instantiate it synchronously
// (the browser loader would try to fetch a file: URL, which Node's fetch refuses).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { initSync } from './kms_wasm.js';
import { markReady, useExternalSha384 } from './core.js';

markReady(initSync({ module: readFileSync(new URL('./kms_wasm_bg.wasm', import.meta.url)) }));
// Signed suites hash the whole message: OpenSSL's SHA-384 is several times faster than wasm's.
useExternalSha384(() => {
  const h = createHash('sha384');
  return { update: (bytes) => void h.update(bytes), digest: () => new Uint8Array(h.digest()) };
});
export * from './core.js';
