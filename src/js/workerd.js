// Entry for workerd / Cloudflare Workers: the runtime forbids compiling wasm
// from bytes, so the .wasm is imported as a module (compiled at deploy time)
// and instantiated synchronously. Instantiation runs no crypto or randomness.
import wasmModule from './kms_wasm_bg.wasm';
import { initSync } from './kms_wasm.js';
import { markReady, useExternalSha384 } from './core.js';

markReady(initSync({ module: wasmModule }));

// Signed suites hash the whole message. Workers have no threads to hash beside the rest, but
// their WebCrypto has an incremental native digest (`crypto.DigestStream`, a Workers extension):
// a 64 MiB 0x0578 encrypt ran at 512 MB/s against 433 with wasm's SHA-384 (tests/bench), and CPU
// time is what a Worker is billed and limited by.
// Small pieces (frame prefixes, tags) are gathered first: each write is a stream round trip.
const BATCH = 1 << 20;
useExternalSha384(() => {
  if (typeof crypto.DigestStream !== 'function') return undefined;
  const stream = new crypto.DigestStream('SHA-384');
  const writer = stream.getWriter();
  const batch = new Uint8Array(BATCH);
  let filled = 0;
  // A write resolves once the bytes are hashed, so the batch is free again after it.
  const flush = () => {
    const bytes = batch.subarray(0, filled);
    filled = 0;
    return writer.write(bytes);
  };
  return {
    async update(bytes) {
      if (filled && filled + bytes.length > BATCH) await flush();
      if (bytes.length >= BATCH) return writer.write(bytes);
      batch.set(bytes, filled);
      filled += bytes.length;
    },
    async digest() {
      if (filled) await flush();
      await writer.close();
      return new Uint8Array(await stream.digest);
    },
    abort: () => void writer.abort().catch(() => {}),
  };
});

export * from './core.js';
export * from './deploy.js';
