// SHA-384 in a Worker, for the browser entry. A signed message (suite 0x0578) is hashed
// whole, and browsers run WebCrypto's AES-GCM on the calling thread: hashing on the main
// thread as well puts the two in series. The worker instantiates the same compiled module
// (its JS imports stubbed; only the numeric `sha384*` exports are called) and hashes what
// the main thread posts, in order. Only message bytes go there, never a key.

// Posted in batches of this size; at most MAX_QUEUED bytes wait unhashed, so a fast producer
// is paused rather than queueing a whole stream in the worker.
const BATCH = 1 << 20;
const MAX_QUEUED = 4 * BATCH;
// Below this a message is hashed faster on the main thread than posted to the worker and back
// (measured in Chromium: the worker wins from about 2 MiB on, and by 1.7x at 16 MiB).
const WORKER_FROM = 2 << 20;

// The worker's whole program; it runs from a Blob, so it may use nothing from this module.
function workerMain() {
  let wasm;
  const hashes = new Map();
  const fail = (id, message) => postMessage({ id, error: message });
  onmessage = (event) => {
    const m = event.data;
    if (m.module) {
      const imports = {};
      for (const i of WebAssembly.Module.imports(m.module)) {
        imports[i.module] = imports[i.module] || {};
        imports[i.module][i.name] = () => { throw new Error('not available in the hash worker'); };
      }
      try {
        wasm = new WebAssembly.Instance(m.module, imports).exports;
        postMessage({ ready: true });
      } catch (e) {
        postMessage({ ready: false, error: String(e) });
      }
      return;
    }
    let handle = hashes.get(m.id);
    if (m.buffer) {
      if (handle === undefined) hashes.set(m.id, (handle = wasm.sha384Begin()));
      const at = wasm.sha384Input(handle, m.length);
      if (!at) return fail(m.id, 'bad SHA-384 handle');
      new Uint8Array(wasm.memory.buffer, at, m.length).set(new Uint8Array(m.buffer, 0, m.length));
      if (!wasm.sha384Absorb(handle, m.length)) return fail(m.id, 'bad SHA-384 input');
      postMessage({ id: m.id, buffer: m.buffer, length: m.length }, [m.buffer]); // the ack returns the buffer
      return;
    }
    if (handle === undefined) handle = wasm.sha384Begin(); // the hash of nothing
    const at = m.end ? wasm.sha384End(handle) : 0;
    const digest = at ? new Uint8Array(wasm.memory.buffer, at, 48).slice() : undefined;
    wasm.sha384Free(handle);
    hashes.delete(m.id);
    if (m.end) postMessage(digest ? { id: m.id, digest } : { id: m.id, error: 'bad SHA-384 handle' });
  };
}

/**
 * A factory for `useExternalSha384`: each call for a message of at least WORKER_FROM bytes
 * (or of unknown length) resolves to a hasher running in a shared Worker; it resolves to
 * undefined for a shorter message, or where no Worker can start (no Worker API, a CSP
 * forbidding blob: workers), and the caller hashes in wasm instead. `getModule` gives the
 * compiled module.
 */
export function workerSha384(getModule) {
  let started; // Promise<newHasher | undefined>, once per page
  return async (length) => (length >= WORKER_FROM ? (await (started ??= start(getModule())))?.() : undefined);
}

function start(module) {
  if (!module || typeof Worker !== 'function' || typeof Blob !== 'function') return Promise.resolve(undefined);
  let worker;
  const url = URL.createObjectURL(new Blob([`(${workerMain})()`], { type: 'text/javascript' }));
  try {
    worker = new Worker(url);
  } catch {
    URL.revokeObjectURL(url);
    return Promise.resolve(undefined);
  }
  const open = new Map(); // id -> hasher state
  const spare = []; // batch buffers the worker gave back
  let nextId = 1;
  let broken;
  const breakAll = (why) => {
    broken = why;
    for (const h of open.values()) h.fail(why);
    open.clear();
  };
  return new Promise((resolve) => {
    worker.onerror = (event) => {
      event.preventDefault?.();
      URL.revokeObjectURL(url);
      resolve(undefined); // if it never came up: hash in wasm
      breakAll(`hash worker failed: ${event.message ?? 'error'}`);
    };
    worker.onmessage = ({ data }) => {
      if ('ready' in data) {
        URL.revokeObjectURL(url);
        if (!data.ready) worker.terminate();
        return resolve(data.ready ? newHasher : undefined);
      }
      const h = open.get(data.id);
      if (data.buffer && data.buffer.byteLength === BATCH && spare.length < 4) spare.push(data.buffer);
      h?.answer(data);
    };
    worker.postMessage({ module });
  });

  function newHasher() {
    if (broken) return undefined; // the worker died: hash in wasm from now on
    const id = nextId++;
    let batch;
    let filled = 0;
    let queued = 0; // bytes posted and not yet hashed
    let waiter; // resolves when `queued` drops below MAX_QUEUED
    let ending; // { resolve, reject } of digest()
    let error;
    const post = () => {
      if (!filled) return;
      worker.postMessage({ id, buffer: batch, length: filled }, [batch]);
      queued += filled;
      batch = undefined;
      filled = 0;
    };
    const state = {
      answer(data) {
        if (data.error) return state.fail(data.error);
        if (data.digest) {
          open.delete(id);
          return ending?.resolve(data.digest);
        }
        queued -= data.length;
        if (waiter && queued < MAX_QUEUED) {
          waiter.resolve();
          waiter = undefined;
        }
      },
      fail(message) {
        error = new Error(message);
        open.delete(id);
        waiter?.reject(error);
        ending?.reject(error);
      },
    };
    open.set(id, state);
    return {
      update(bytes) {
        if (error) throw error;
        for (let at = 0; at < bytes.length;) {
          batch ??= spare.pop() ?? new ArrayBuffer(BATCH);
          const n = Math.min(BATCH - filled, bytes.length - at);
          new Uint8Array(batch, filled, n).set(bytes.subarray(at, at + n));
          filled += n;
          at += n;
          if (filled === BATCH) post();
        }
        if (queued >= MAX_QUEUED) return new Promise((resolve, reject) => (waiter = { resolve, reject }));
      },
      digest() {
        if (error) return Promise.reject(error);
        post();
        worker.postMessage({ id, end: true });
        return new Promise((resolve, reject) => (ending = { resolve, reject }));
      },
      abort() {
        if (!open.has(id)) return;
        open.delete(id);
        worker.postMessage({ id, end: false });
      },
    };
  }
}
