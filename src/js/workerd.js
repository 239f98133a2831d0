// Entry for workerd / Cloudflare Workers: the runtime forbids compiling wasm
// from bytes, so the .wasm is imported as a module (compiled at deploy time)
// and instantiated synchronously. Instantiation runs no crypto or randomness.
import wasmModule from './kms_wasm_bg.wasm';
import { initSync, shareCredentialFetches } from './kms_wasm.js';
import { markReady, useExternalSha384 } from './core.js';

markReady(initSync({ module: wasmModule }));
// workerd cancels a request that waits on what another request's fetch settles: a call finding
// a credentials fetch under way (another request's) makes its own instead of waiting for it.
shareCredentialFetches(false);

// Signed suites hash the whole message. Workers have no threads to hash beside the rest, but
// their WebCrypto has an incremental native digest (`crypto.DigestStream`, a Workers extension):
// a 64 MiB 0x0578 encrypt ran at about 505 MB/s against 433 with wasm's SHA-384 (tests/bench), and CPU
// time is what a Worker is billed and limited by.
// Bytes are gathered into 1 MiB writes: each write is a stream round trip.
const BATCH = 1 << 20;
useExternalSha384(() => {
  if (typeof crypto.DigestStream !== 'function') return undefined;
  const stream = new crypto.DigestStream('SHA-384');
  const writer = stream.getWriter();
  let batch = new Uint8Array(BATCH);
  let filled = 0;
  const spare = []; // batches whose write completed (fresh ones cost page faults)
  const flush = () => {
    const full = batch;
    const written = writer.write(full.subarray(0, filled));
    batch = spare.pop() ?? new Uint8Array(BATCH);
    filled = 0;
    // Also marks a failure handled: the failed stream fails the writes after it, which are awaited.
    written.then(() => spare.length < 2 && spare.push(full), () => {});
    return written;
  };
  return {
    // Copies everything before it waits, as the other hashers do: the caller may hand the bytes
    // on. Writes complete in order, so waiting for the last one waits for all.
    async update(bytes) {
      let written;
      for (let at = 0; at < bytes.length;) {
        if (filled === BATCH) written = flush();
        const n = Math.min(BATCH - filled, bytes.length - at);
        batch.set(bytes.subarray(at, at + n), filled);
        filled += n;
        at += n;
      }
      await written;
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
