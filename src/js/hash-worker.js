// SHA-384 in a worker. A signed message (suite 0x0578) is hashed whole; on the main thread
// that hash competes with everything else the envelope does there (in browsers, WebCrypto's
// AES-GCM itself, which runs on the calling thread). The main thread posts the message bytes
// in batches, in order, and gets the digest back. Only message bytes go there, never a key.
// The browser's worker (`blobWorker`) instantiates the same compiled module again (its JS
// imports stubbed; only the numeric `sha384*` exports are called); Node's entry starts a
// worker thread with `node:crypto`'s hash speaking the same messages.
// The browser's worker also allocates large one-shot results: it faults their pages in and
// moves the buffer to the page (core.js, `resultBuffer`); no bytes of a message go with it.
import { KmsWasmError } from './errors.js';

// Posted in batches of this size; at most MAX_QUEUED bytes wait unhashed, so a fast producer
// is paused rather than queueing a whole stream in the worker.
const BATCH = 1 << 20;
const MAX_QUEUED = 4 * BATCH;
// Below this a message is hashed faster on the main thread than posted to the worker and back
// (measured in Chromium: the worker wins from about 2 MiB on, and by 1.7x at 16 MiB).
const WORKER_FROM = 2 << 20;

// The worker's whole program, run from a Blob: it may use nothing from this module. A string, not
// a function's source, so that a bundler's transforms of this module (esbuild's --keep-names
// wraps functions in a helper of its own) cannot reach into it. A fresh buffer asked for is
// faulted in here (a write to each page) and moved to the caller; out of memory here, the
// caller allocates its own. A batch's ack gives its buffer back; an end with no batch before it
// is the hash of nothing.
const WORKER_PROGRAM = `let wasm;
const hashes = new Map();
const fail = (id, error) => postMessage({ id, error });
onmessage = ({ data: m }) => {
  if (m.module) {
    const imports = {};
    for (const i of WebAssembly.Module.imports(m.module)) (imports[i.module] ||= {})[i.name] = () => { throw Error('not available in the hash worker'); };
    try {
      wasm = new WebAssembly.Instance(m.module, imports).exports;
      postMessage({ ready: true });
    } catch (e) {
      postMessage({ ready: false, error: String(e) });
    }
    return;
  }
  if (m.allocate) {
    let allocated;
    try {
      allocated = new ArrayBuffer(m.allocate);
    } catch {
      return postMessage({ id: m.id });
    }
    const bytes = new Uint8Array(allocated);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 0;
    return postMessage({ id: m.id, allocated }, [allocated]);
  }
  let handle = hashes.get(m.id);
  if (m.buffer) {
    if (handle === undefined) hashes.set(m.id, (handle = wasm.sha384Begin()));
    const at = wasm.sha384Input(handle, m.length);
    if (!at) return fail(m.id, 'bad SHA-384 handle');
    new Uint8Array(wasm.memory.buffer, at, m.length).set(new Uint8Array(m.buffer, 0, m.length));
    if (!wasm.sha384Absorb(handle, m.length)) return fail(m.id, 'bad SHA-384 input');
    return postMessage({ id: m.id, buffer: m.buffer, length: m.length }, [m.buffer]);
  }
  handle ??= wasm.sha384Begin();
  const at = m.end ? wasm.sha384End(handle) : 0;
  const digest = at ? new Uint8Array(wasm.memory.buffer, at, 48).slice() : undefined;
  wasm.sha384Free(handle);
  hashes.delete(m.id);
  if (m.end) postMessage(digest ? { id: m.id, digest } : { id: m.id, error: 'bad SHA-384 handle' });
};`;

/**
 * The helper worker, started by `spawn` at first use. `sha384(length)` is a factory for
 * `useExternalSha384`: for a message of at least WORKER_FROM bytes (or of unknown length) it
 * resolves to a hasher there; it resolves to undefined for a shorter message or where no worker
 * can start, and the caller hashes in wasm instead. `allocate(length)` is a `usePrefault`
 * allocator: once the worker is up, a promise of a fresh buffer whose pages it faulted in (or of
 * undefined); before that, undefined (it starts the worker). `spawn({ message, failed })` starts
 * the worker and resolves to `{ post(message, transfer), busy(), idle(), moves? }` once it
 * takes messages, or to undefined; `busy` and `idle` say whether replies are owed; `moves`: it
 * hashes `{ id, parts, length }` too, ArrayBuffers moved to it (hasher's `give`).
 */
export function helperWorker(spawn) {
  let started; // Promise<connection | undefined>, once per page or process
  let connection;
  const connected = () => (started ??= connect(spawn).then((c) => (connection = c)));
  return {
    sha384: async (length) => (length >= WORKER_FROM ? (await connected())?.hasher() : undefined),
    allocate(length) {
      if (!connection) return void connected();
      return connection.allocate(length);
    },
  };
}

/** A browser worker from a blob: URL, running `WORKER_PROGRAM` over the compiled module `getModule()`. */
export function blobWorker(getModule) {
  return ({ message, failed }) => {
    const module = getModule();
    if (!module || typeof Worker !== 'function' || typeof Blob !== 'function') return Promise.resolve(undefined);
    const url = URL.createObjectURL(new Blob([WORKER_PROGRAM], { type: 'text/javascript' }));
    let worker;
    try {
      worker = new Worker(url);
    } catch {
      URL.revokeObjectURL(url);
      return Promise.resolve(undefined); // a CSP may refuse it here, or with an error event
    }
    return new Promise((resolve) => {
      worker.onerror = (event) => {
        event.preventDefault?.();
        URL.revokeObjectURL(url);
        resolve(undefined); // if it never came up
        // A browser worker outlives an uncaught error: end it, or it keeps its thread and memory.
        worker.terminate();
        failed(`hash worker failed: ${event.message ?? 'error'}`);
      };
      worker.onmessage = ({ data }) => {
        if (!('ready' in data)) return message(data);
        URL.revokeObjectURL(url);
        if (!data.ready) worker.terminate();
        resolve(data.ready ? { post: (m, transfer) => worker.postMessage(m, transfer), busy() {}, idle() {} } : undefined);
      };
      worker.postMessage({ module });
    });
  };
}

function connect(spawn) {
  const open = new Map(); // id -> hasher state
  const spare = []; // batch buffers the worker gave back
  let nextId = 1;
  let broken;
  let worker;
  // Replies still owed: only these keep a Node process up (an abandoned stream must not).
  let owed = 0;
  const send = (message, transfer) => {
    if (owed++ === 0) worker.busy();
    worker.post(message, transfer);
  };
  const message = (data) => {
    if (--owed === 0) worker.idle();
    // Kept only while messages are open: a late reply after the last one closed brings none back.
    if (data.buffer && data.buffer.byteLength === BATCH && spare.length < 4 && open.size) spare.push(data.buffer);
    open.get(data.id)?.answer(data);
  };
  const failed = (why) => {
    broken = why;
    for (const h of open.values()) h.fail(why);
    open.clear();
    spare.length = 0;
  };
  const closed = (id) => {
    open.delete(id);
    if (!open.size) spare.length = 0; // idle: keep no batch buffers
  };
  const abort = (id) => {
    if (!open.has(id)) return;
    closed(id);
    worker.post({ id, end: false });
  };
  // A stream dropped without being cancelled never aborts its hasher: what it holds here (its
  // batch buffer) and in the worker (the hash state) goes once the hasher is collected.
  const collected = new FinalizationRegistry(abort);
  // A spawn that throws (Node's permission model forbids workers) means no worker, as one that rejects.
  return new Promise((resolve) => resolve(spawn({ message, failed }))).then(
    (w) => (worker = w) && { hasher: newHasher, allocate },
    () => undefined,
  );

  function allocate(length) {
    if (broken) return undefined;
    const id = nextId++;
    return new Promise((resolve) => {
      open.set(id, {
        answer(data) {
          closed(id);
          resolve(data.allocated ? new Uint8Array(data.allocated) : undefined);
        },
        fail() {
          closed(id);
          resolve(undefined);
        },
      });
      send({ id, allocate: length });
    });
  }

  function newHasher() {
    if (broken) return undefined; // the worker died: hash in wasm from now on
    const id = nextId++;
    let batch;
    let filled = 0;
    let queued = 0; // bytes posted and not yet hashed
    let waiter; // resolves when `queued` drops below MAX_QUEUED
    let ending; // { resolve, reject } of digest()
    let error;
    // Moved buffers (`give`) and copies of the bytes between them, in order, not yet posted.
    let parts = [];
    let partsLength = 0;
    const postParts = () => {
      if (!parts.length) return;
      send({ id, parts, length: partsLength }, parts);
      queued += partsLength;
      parts = [];
      partsLength = 0;
    };
    const post = () => {
      postParts();
      if (!filled) return;
      send({ id, buffer: batch, length: filled }, [batch]);
      queued += filled;
      batch = undefined;
      filled = 0;
    };
    const state = {
      answer(data) {
        if (data.error) return state.fail(data.error);
        if (data.digest) {
          closed(id);
          return ending?.resolve(data.digest);
        }
        queued -= data.length;
        if (waiter && queued < MAX_QUEUED) {
          waiter.resolve();
          waiter = undefined;
        }
      },
      fail(message) {
        error = new KmsWasmError({ name: 'HashWorkerError', message });
        closed(id);
        waiter?.reject(error);
        ending?.reject(error);
      },
    };
    open.set(id, state);
    // Once MAX_QUEUED bytes wait in the worker, a promise of room.
    const room = () => (queued >= MAX_QUEUED ? new Promise((resolve, reject) => (waiter = { resolve, reject })) : undefined);
    const hasher = {
      inWorker: true,
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
        return room();
      },
      digest() {
        if (error) return Promise.reject(error);
        post();
        send({ id, end: true });
        return new Promise((resolve, reject) => (ending = { resolve, reject }));
      },
      abort: () => abort(id),
    };
    // Like update, for bytes that are the whole of a buffer nobody touches again (a one-shot
    // call's sealed frame, once copied into its result): moved to the worker rather than copied,
    // where the worker takes moved buffers (Node's; in a browser's, the bottleneck, receiving
    // them cost more than the copies). Posted with the bytes between them, a message per BATCH:
    // a message per frame cost more than the copies it saves.
    if (worker.moves) {
      hasher.give = (bytes) => {
        if (error) throw error;
        if (filled) {
          parts.push(new Uint8Array(batch, 0, filled).slice().buffer);
          partsLength += filled;
          filled = 0;
        }
        parts.push(bytes.buffer);
        partsLength += bytes.length;
        if (partsLength >= BATCH) postParts();
        return room();
      };
    }
    collected.register(hasher, id);
    return hasher;
  }
}
