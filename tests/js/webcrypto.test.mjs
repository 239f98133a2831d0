// The native fast paths (node:crypto in Node, WebCrypto elsewhere) write the same bytes as the
// wasm AES-GCM path: frame by frame under one content key, and as whole messages that decrypt
// on any path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { aesPaths, AES_PATHS, chunkStream, copiesInMemory, exposedGc, importPackage, packageDir, withFooterOf } from './helpers.mjs';

const ours = await importPackage();
const { WasmEncryptor, WasmKeyring } = await import(join(packageDir(), 'kms_wasm.js'));
// `onPath(path, fn)` runs `fn` on one AES-GCM path: 'node:crypto' (the entry's), 'WebCrypto' or 'wasm'.
const { cipher: nodeCipher, on: onPath } = aesPaths(ours);

test('frames sealed by WebCrypto and by node:crypto equal frames sealed by the aes-gcm crate', async () => {
  const keyring = WasmKeyring.rawAes('ns', 'k', randomBytes(32));
  for (const suiteId of [0x0478, 0x0578]) {
    const enc = await WasmEncryptor.create(keyring.clone(), { suiteId, frameLength: 4096 });
    const raw = enc.contentKey();
    const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    for (const [seq, isFinal, size] of [[1, false, 4096], [2, false, 4096], [3, true, 17], [7, true, 4096], [9, true, 1]]) {
      const pt = randomBytes(size);
      const wasm = enc.sealFrame(seq, isFinal, pt);
      const iv = WasmEncryptor.frameIv(seq);
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.frameAad(seq, isFinal, size), tagLength: 128 }, key, pt));
      const web = new Uint8Array([...WasmEncryptor.framePrefix(seq, isFinal, size), ...ct]);
      assert.deepEqual(web, wasm, `suite ${suiteId} frame ${seq} final=${isFinal} size ${size}`);
      const nodeKey = nodeCipher.key(raw);
      const sealed = Buffer.concat(nodeCipher.seal(nodeKey, iv, enc.frameAad(seq, isFinal, size), pt));
      assert.deepEqual(new Uint8Array([...WasmEncryptor.framePrefix(seq, isFinal, size), ...sealed]), wasm, `node:crypto: suite ${suiteId} frame ${seq}`);
      assert.ok(Buffer.from(nodeCipher.open(nodeKey, iv, enc.frameAad(seq, isFinal, size), sealed)).equals(pt));
      sealed[size % sealed.length] ^= 1;
      assert.equal(nodeCipher.open(nodeKey, iv, enc.frameAad(seq, isFinal, size), sealed), null, 'a flipped bit is refused');
    }
    enc.free();
  }
});

/** Pipes `bytes` in 1000-byte chunks through a TransformStream; resolves to what comes out. */
async function throughStream(stream, bytes) {
  const parts = [];
  for await (const part of chunkStream(bytes, 1000).pipeThrough(stream)) parts.push(part);
  return Buffer.concat(parts);
}

test('messages from each path, one-shot and streamed, decrypt on the others both ways, for edge sizes', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const paths = AES_PATHS;
  for (const [suiteId, size] of [0, 1, 4095, 4096, 4097, 3 * 4096, 100_000].flatMap((n) => [[0x0478, n], [0x0578, n]])) {
    const pt = randomBytes(size);
    const options = { frameLength: 4096, suiteId };
    const messages = [];
    for (const path of paths) {
      messages.push({ path, message: (await onPath(path, () => ours.encrypt(keyring, pt, options))).result });
      messages.push({ path: `${path} stream`, message: await onPath(path, () => throughStream(ours.encryptStream(keyring, options), pt)) });
    }
    // Unsigned messages have a fixed length; signed ones differ only by the DER signature's length.
    if (suiteId === 0x0478) assert.ok(messages.every((m) => m.message.length === messages[0].message.length), `same length at ${size}`);
    for (const { path: from, message } of messages) {
      for (const path of paths.filter((p) => !from.startsWith(p))) {
        const what = `${from} -> ${path}, 0x${suiteId.toString(16)}, ${size} bytes`;
        const { plaintext } = await onPath(path, () => ours.decrypt(keyring, message));
        assert.ok(Buffer.from(plaintext).equals(pt), what);
        assert.ok((await onPath(path, () => throughStream(ours.decryptStream(keyring), message))).equals(pt), `${what}, streamed`);
      }
    }
  }
});

// node:crypto runs on the calling thread: a large one-shot call must still let the event loop turn.
test("a large one-shot call on node:crypto's path lets timers run while it works", async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const pt = randomBytes(32 << 20);
  for (const suiteId of [0x0478, 0x0578]) {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const { result } = await ours.encrypt(keyring, pt, { suiteId });
      const during = ticks;
      const { plaintext } = await ours.decrypt(keyring, result);
      assert.ok(Buffer.from(plaintext).equals(pt));
      // Not a speed: a call that never yields lets the timer run at most once.
      assert.ok(during >= 2 && ticks - during >= 2, `timers ran ${during} times during encrypt and ${ticks - during} during decrypt`);
    } finally {
      clearInterval(timer);
    }
  }
});

test('encrypt and decrypt read Uint8Array views from their offset, on every AES-GCM path, signed or not', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  // The bytes around each view are junk that must not be read.
  const inside = (bytes, before, after) => {
    const big = randomBytes(before + bytes.length + after);
    big.set(bytes, before);
    return new Uint8Array(big.buffer, big.byteOffset + before, bytes.length);
  };
  for (const path of AES_PATHS) {
    for (const suiteId of [0x0578, 0x0478]) {
      const label = `${path} 0x${suiteId.toString(16)}`;
      const pt = randomBytes(10_000);
      const back = await onPath(path, async () => {
        const { result } = await ours.encrypt(keyring, inside(pt, 32, 17), { suiteId, frameLength: 4096 });
        return ours.decrypt(keyring, inside(result, 5, 9));
      });
      assert.ok(Buffer.from(back.plaintext).equals(pt), label);
    }
  }
});

test('maxFrameLength and maxEncryptedDataKeys refuse oversized messages before decrypting', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const { result } = await ours.encrypt(keyring, randomBytes(10_000), { frameLength: 8192 });
  await assert.rejects(ours.decrypt(keyring, result, { maxFrameLength: 4096 }), (e) => e.name === 'LimitExceededError');
  assert.equal((await ours.decrypt(keyring, result, { maxFrameLength: 8192 })).plaintext.length, 10_000);
  const multi = new ours.MultiKeyring({ generator: keyring, children: [new ours.RawAesKeyring({ keyName: 'k2', keyNamespace: 'ns', wrappingKey: randomBytes(32) })] });
  const two = await ours.encrypt(multi, randomBytes(10));
  await assert.rejects(ours.decrypt(keyring, two.result, { maxEncryptedDataKeys: 1 }), (e) => e.name === 'TooManyEncryptedDataKeysError');
});

// Signed messages hash the whole message with whatever is fastest where they run: Node's native
// incremental SHA-384, `crypto.subtle.digest` over a one-shot message, or wasm in streams
// elsewhere. Every path must accept the others' messages and refuse a signature that does not
// match, releasing nothing from one-shot calls and never the final frame from streams.
test('every SHA-384 path signs and verifies alike and refuses a foreign signature', async () => {
  const { createHash } = await import('node:crypto');
  const native = () => {
    const h = createHash('sha384');
    return { update: (b) => void h.update(b), digest: () => new Uint8Array(h.digest()) };
  };
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const opts = { suiteId: 0x0578, frameLength: 4096 };
  let released = 0; // plaintext bytes a stream gave out before it failed
  const collect = async (stream) => {
    const parts = [];
    released = 0;
    for await (const p of stream) {
      parts.push(p);
      released += p.length;
    }
    return Buffer.concat(parts);
  };
  const apis = {
    oneShot: {
      enc: async (pt) => (await ours.encrypt(keyring, pt, opts)).result,
      dec: async (ct) => Buffer.from((await ours.decrypt(keyring, ct)).plaintext),
    },
    stream: {
      enc: (pt) => collect(chunkStream(pt, 5000).pipeThrough(ours.encryptStream(keyring, opts))),
      dec: (ct) => collect(chunkStream(ct, 3001).pipeThrough(ours.decryptStream(keyring))),
    },
  };
  // The entry's own choice: a worker thread for one-shot messages from 2 MiB, else `native`.
  const entryChoice = ours.useExternalSha384(undefined);
  const hashedIn = [];
  const watched = async (length) => {
    const h = await entryChoice(length);
    hashedIn.push(h?.inWorker ? 'worker' : 'here');
    return h;
  };
  const modes = { "the entry's choice": watched, native, 'no native hash': undefined };
  try {
    for (const size of [0, 4096, 20_000, 3 << 20]) {
      const pt = randomBytes(size);
      const made = [];
      for (const [mode, factory] of Object.entries(modes)) {
        ours.useExternalSha384(factory);
        for (const [api, { enc }] of Object.entries(apis)) made.push([`${api} with ${mode}`, Buffer.from(await enc(pt))]);
      }
      for (const [mode, factory] of Object.entries(modes)) {
        ours.useExternalSha384(factory);
        for (const [api, { dec }] of Object.entries(apis)) {
          for (const [from, ct] of made) assert.ok((await dec(ct)).equals(pt), `${from} → ${api} with ${mode}, ${size} bytes`);
          const forged = withFooterOf(made[0][1], made[1][1]);
          await assert.rejects(dec(forged), (e) => e.name === 'SignatureError', `${api} with ${mode} refuses a foreign signature`);
          const finalFrame = size % 4096;
          if (api === 'stream') assert.ok(released <= size - finalFrame, `the stream kept the final frame back (${released} of ${size} released)`);
        }
      }
    }
    assert.ok(hashedIn.includes('worker') && hashedIn.includes('here'), `both of the entry's paths ran: ${[...new Set(hashedIn)]}`);
    // One-shot calls from 2 MiB hash in the worker; smaller ones and streams (whose memory
    // stays bounded) here.
    hashedIn.length = 0;
    ours.useExternalSha384(watched);
    await apis.oneShot.enc(randomBytes(100));
    await apis.oneShot.enc(randomBytes(3 << 20));
    await apis.stream.enc(randomBytes(3 << 20));
    assert.deepEqual(hashedIn, ['here', 'worker', 'here']);
  } finally {
    ours.useExternalSha384(entryChoice);
  }
});

/**
 * Puts `fn` in place of `crypto.subtle[name]` (Node keeps the real one on the prototype, where
 * `fn` may call it); returns what puts the real one back.
 */
function stubSubtle(name, fn) {
  const subtle = globalThis.crypto.subtle;
  const own = Object.getOwnPropertyDescriptor(subtle, name);
  subtle[name] = fn;
  return () => {
    if (own) Object.defineProperty(subtle, name, own);
    else delete subtle[name];
  };
}

test("one-shot decrypt checks a signature with WebCrypto's ECDSA where it would hash on this thread, falls back to wasm where WebCrypto lacks ECDSA P-384, and refuses a foreign signature either way", async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const subtle = globalThis.crypto.subtle;
  let verifies = 0;
  let ecdsa = true;
  const restore = stubSubtle('verify', function (...args) {
    verifies += 1;
    if (!ecdsa) return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
    return Object.getPrototypeOf(subtle).verify.apply(this, args);
  });
  const stream = async (ct) => {
    const parts = [];
    for await (const p of new Blob([ct]).stream().pipeThrough(ours.decryptStream(keyring))) parts.push(p);
    return Buffer.concat(parts);
  };
  try {
    const counted = async (fn) => {
      const before = verifies;
      await fn();
      return verifies - before;
    };
    for (const size of [0, 100, 20_000, 3 << 20]) {
      const pt = randomBytes(size);
      const [a, b] = [(await ours.encrypt(keyring, pt, { frameLength: 4096 })).result, (await ours.encrypt(keyring, pt, { frameLength: 4096 })).result];
      const forged = withFooterOf(a, b);
      for (const withEcdsa of [true, false]) {
        ecdsa = withEcdsa;
        const label = `${size} bytes, ${withEcdsa ? 'WebCrypto ECDSA' : 'no WebCrypto ECDSA'}`;
        let back;
        const calls = await counted(async () => { back = await ours.decrypt(keyring, a); });
        assert.ok(Buffer.from(back.plaintext).equals(pt), label);
        // From 2 MiB a worker thread hashes beside the AES-GCM, and wasm verifies.
        assert.equal(calls, size < (2 << 20) ? 1 : 0, `${label}: WebCrypto verify calls`);
        await assert.rejects(ours.decrypt(keyring, forged), (e) => e.name === 'SignatureError', `${label}: foreign signature`);
        assert.equal(await counted(async () => assert.ok((await stream(a)).equals(pt))), 0, `${label}: streams never use it`);
      }
    }
    ecdsa = true;
    const unsigned = (await ours.encrypt(keyring, randomBytes(100), { suiteId: 0x0478 })).result;
    assert.equal(await counted(() => ours.decrypt(keyring, unsigned)), 0, 'an unsigned message has nothing to verify');
  } finally {
    restore();
  }
});

// The hash worker thread must neither keep a finished process alive (nor one whose streams were
// left unfinished) nor let it exit while a digest is still owed (an unsettled top-level await
// exits with code 13).
/**
 * Runs, in a Node process of its own started with `flags`, a one-shot round trip of 3 MiB of
 * 0x0578 (large enough for the hash worker) and then `more`; asserts it printed 'round trip ok'
 * and exited with 0.
 */
async function bigRoundTripInNode(flags, more = '') {
  const { spawnSync } = await import('node:child_process');
  const script = `
    import * as kms from ${JSON.stringify(join(packageDir(), 'node.js'))};
    const keyring = new kms.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32).fill(1) });
    const plaintext = new Uint8Array(3 << 20).fill(7);
    const { result } = await kms.encrypt(keyring, plaintext);
    const { plaintext: back } = await kms.decrypt(keyring, result);
    console.log(back.length === plaintext.length && back.every((b) => b === 7) ? 'round trip ok' : 'mismatch');${more}`;
  const started = Date.now();
  const run = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `exit ${run.status} ${run.signal ?? ''} after ${Date.now() - started} ms: ${run.stderr}`);
  assert.equal(run.stdout.trim(), 'round trip ok');
}

test('the hash worker thread lets Node exit when idle and keeps it up while it hashes', async () => {
  await bigRoundTripInNode([], `
    // Streams left unfinished, one before any data and one after 3 MiB, hold nothing up.
    kms.encryptStream(keyring);
    const abandoned = kms.encryptStream(keyring);
    const writer = abandoned.writable.getWriter();
    const reading = (async () => { for await (const _ of abandoned.readable); })();
    await writer.write(plaintext);`);
});

/**
 * The package's helper worker over a fake worker that records what is posted to it and answers
 * only when told: `deliver(reply)` hands a reply to the helper as the worker would.
 */
async function fakeHelperWorker({ moves = false } = {}) {
  const { helperWorker } = await import(join(packageDir(), 'hash-worker.js'));
  const posted = [];
  let message;
  const helper = helperWorker(async (connection) => {
    message = connection.message;
    return { post: (m, transfer) => posted.push(Object.defineProperty(m, 'transfer', { value: transfer })), busy() {}, idle() {}, moves };
  });
  return { helper, posted, deliver: (reply) => message(reply) };
}

test('a hasher dropped unfinished (a stream abandoned without a cancel) frees its hash state in the worker once it is collected', async () => {
  const gc = exposedGc();
  // A worker that never answers: only what is posted to it matters here.
  const { helper, posted } = await fakeHelperWorker();
  const kept = await helper.sha384(Infinity);
  kept.update(new Uint8Array(1 << 20));
  // In a frame of its own that ends, so no register of this one still holds the hasher.
  const droppedId = await (async () => {
    const dropped = await helper.sha384(Infinity);
    dropped.update(new Uint8Array(3 << 20));
    return posted.at(-1).id;
  })();
  assert.notEqual(droppedId, posted[0].id);
  const freed = () => posted.filter((m) => m.end === false).map((m) => m.id);
  for (let i = 0; i < 50 && !freed().length; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(freed(), [droppedId], 'the dropped hasher\'s state was freed in the worker, and only its');
  kept.abort();
  assert.deepEqual(freed(), [droppedId, posted[0].id], 'an explicit abort still frees at once');
});

test('a hasher in the helper worker makes update() wait once 4 MiB are posted and unacknowledged, and resumes as the worker acknowledges (fake worker)', async () => {
  // `ack()` acknowledges the oldest batch not yet acknowledged.
  const { helper, posted, deliver } = await fakeHelperWorker();
  const hasher = await helper.sha384(Infinity);
  const MiB = 1 << 20;
  let acked = 0;
  const ack = () => {
    const m = posted.filter((p) => p.buffer)[acked++];
    deliver({ id: m.id, buffer: m.buffer, length: m.length });
  };
  assert.equal(hasher.update(new Uint8Array(4 * MiB - 1)), undefined, 'under 4 MiB posted: no wait');
  assert.equal(posted.filter((p) => p.buffer).length, 3);
  const waiting = hasher.update(new Uint8Array(1));
  assert.ok(waiting instanceof Promise, '4 MiB posted and unacknowledged: update returns a promise');
  assert.equal(posted.filter((p) => p.buffer).length, 4);
  let resumed = false;
  waiting.then(() => { resumed = true; });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(resumed, false, 'no acknowledgement yet: still waiting');
  ack();
  await waiting;
  assert.ok(resumed, 'one batch acknowledged: update resumes');
  // Acknowledged bytes no longer count: another 1 MiB fills the queue again.
  assert.ok(hasher.update(new Uint8Array(MiB)) instanceof Promise, 'the queue is full again at 4 MiB');
  for (let i = 0; i < 4; i++) ack();
  assert.equal(hasher.update(new Uint8Array(MiB)), undefined, 'acknowledged: room again');
  hasher.abort();
});

test('a hasher moves the buffers it is given to a worker that takes them uncopied, posts them in order with the bytes around them, and counts them against the 4 MiB queue (fake worker)', async () => {
  const { helper: copying } = await fakeHelperWorker();
  const copier = await copying.sha384(Infinity);
  assert.equal(copier.give, undefined, 'a worker that does not say it takes moved buffers gets copies');
  copier.abort();
  const { helper, posted } = await fakeHelperWorker({ moves: true });
  const hasher = await helper.sha384(Infinity);
  const KiB = 1 << 10;
  const bytes = (n, fill) => new Uint8Array(n).fill(fill);
  // What a signed one-shot encrypt hands over: a header, then per frame a prefix (copied), the
  // sealed frame (given) and a tag (copied).
  const header = bytes(100, 1);
  const frames = [2, 3, 4].map((fill) => bytes(400 * KiB, fill));
  const fed = [header];
  assert.equal(hasher.update(header), undefined);
  for (const frame of frames) {
    const prefix = bytes(20, 5);
    const tag = bytes(16, 6);
    assert.equal(hasher.update(prefix), undefined);
    assert.equal(hasher.give(frame), undefined, 'under 4 MiB queued: no wait');
    assert.equal(hasher.update(tag), undefined);
    fed.push(prefix, frame, tag);
  }
  const footer = bytes(7, 7);
  hasher.update(footer);
  fed.push(footer);
  const done = hasher.digest();
  done.catch(() => {}); // a fake worker never answers
  const got = [];
  for (const m of posted) {
    if (m.buffer) got.push(new Uint8Array(m.buffer, 0, m.length));
    for (const part of m.parts ?? []) got.push(new Uint8Array(part));
    if (m.parts) assert.deepEqual(m.transfer, m.parts, 'every part is moved, not cloned');
  }
  assert.ok(Buffer.concat(got).equals(Buffer.concat(fed)), 'the worker gets every byte, in order');
  for (const frame of frames) assert.ok(posted.some((m) => m.parts?.includes(frame.buffer)), 'a given buffer goes as it is, not as a copy');
  assert.ok(posted.filter((m) => m.parts).length < frames.length, 'given buffers go several to a message');
  // Given bytes are queued bytes: once 4 MiB wait for the worker, so does the caller.
  const full = await helper.sha384(Infinity);
  for (let i = 1; i < 4; i++) assert.equal(full.give(bytes(1 << 20, 0)), undefined, `${i} MiB queued: no wait`);
  assert.ok(full.give(bytes(1 << 20, 0)) instanceof Promise, '4 MiB queued: give returns a promise');
  full.abort();
  hasher.abort();
});

test('a worker that cannot start (Node\'s permission model) only costs the hash worker: large signed one-shot calls still work', async () => {
  // Without --allow-worker, `new Worker` throws at once.
  // Node 22.13 renamed the flag (Node 24 refuses the old name).
  const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
  await bigRoundTripInNode([permission, '--allow-fs-read=*', '--no-warnings']);
});

test('a stream writer may refill its one buffer (a Uint8Array or a Node Buffer) once write() resolves, on every AES-GCM path, signed or not', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const plaintext = randomBytes(200_000);
  /** Writes `bytes` through `stream` from one 1000-byte buffer, refilled after each write (as fs reads do). */
  const throughOneBuffer = async (stream, bytes, buffer) => {
    const out = [];
    const reading = (async () => { for await (const c of stream.readable) out.push(c); })();
    const writer = stream.writable.getWriter();
    for (let at = 0; at < bytes.length; at += buffer.length) {
      const n = Math.min(buffer.length, bytes.length - at);
      buffer.set(bytes.subarray(at, at + n));
      await writer.write(buffer.subarray(0, n));
    }
    await writer.close();
    await reading;
    return Buffer.concat(out);
  };
  for (const suiteId of [0x0478, 0x0578]) {
    for (const path of AES_PATHS) {
      // A Buffer's slice() is a view: what the stream keeps must be copied some other way.
      for (const buffer of [new Uint8Array(1000), Buffer.alloc(1000)]) {
        const what = `${path} ${suiteId} ${buffer.constructor.name}`;
        await onPath(path, async () => {
          const message = await throughOneBuffer(ours.encryptStream(keyring, { suiteId, frameLength: 4096 }), plaintext, buffer);
          assert.ok((await ours.decrypt(keyring, message)).plaintext.every((b, i) => b === plaintext[i]), `encryptStream ${what}`);
          const { result } = await ours.encrypt(keyring, plaintext, { suiteId, frameLength: 4096 });
          assert.ok((await throughOneBuffer(ours.decryptStream(keyring), result, buffer)).equals(plaintext), `decryptStream ${what}`);
        });
      }
    }
  }
});

test('a raw AES keyring keeps a copy of its wrapping key: a Node Buffer wiped after the constructor changes nothing', async () => {
  const secret = randomBytes(32);
  const wrappingKey = Buffer.from(secret);
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey });
  wrappingKey.fill(0); // key hygiene, before the keyring's first use
  const { result } = await ours.encrypt(keyring, new Uint8Array([1, 2, 3]));
  const withSecret = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(secret) });
  assert.deepEqual([...(await ours.decrypt(withSecret, result)).plaintext], [1, 2, 3]);
  const withZeros = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32) });
  await assert.rejects(ours.decrypt(withZeros, result), (e) => e.name === 'NoUsableKeyError');
});

test('input in shared memory (a SharedArrayBuffer) encrypts and decrypts on every AES-GCM path, one-shot and streamed', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const shared = (bytes) => {
    const view = new Uint8Array(new SharedArrayBuffer(bytes.length + 3), 3, bytes.length);
    view.set(bytes);
    return view;
  };
  const plaintext = randomBytes(10_000);
  for (const path of AES_PATHS) {
    await onPath(path, async () => {
      const { result } = await ours.encrypt(keyring, shared(plaintext), { frameLength: 4096 });
      assert.ok(Buffer.from((await ours.decrypt(keyring, shared(result))).plaintext).equals(plaintext), `one-shot ${path}`);
      const streamed = await throughStream(ours.encryptStream(keyring, { frameLength: 4096 }), shared(plaintext));
      assert.ok(Buffer.from(await throughStream(ours.decryptStream(keyring), shared(streamed))).equals(plaintext), `streamed ${path}`);
    });
  }
});

// wasm memory only grows: a 48 MiB message handed over in one piece must not make it grow to
// the message's size (wasm is fed 256 KiB at a time and frame bodies never enter it twice).
test('decrypting a large message in one call or one chunk keeps wasm memory small', async () => {
  const { memory } = await ours.ready();
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const plaintext = randomBytes(48 << 20);
  for (const suiteId of [0x0478, 0x0578]) {
    const { result } = await ours.encrypt(keyring, plaintext, { suiteId });
    assert.ok(Buffer.from((await ours.decrypt(keyring, result)).plaintext).equals(plaintext));
    const stream = ours.decryptStream(keyring);
    const writer = stream.writable.getWriter();
    const parts = [];
    const reading = (async () => { for await (const p of stream.readable) parts.push(p); })();
    await writer.write(result);
    await writer.close();
    await reading;
    assert.ok(Buffer.concat(parts).equals(plaintext));
  }
  assert.ok(memory.buffer.byteLength < 8 << 20, `wasm memory grew to ${(memory.buffer.byteLength / 2 ** 20).toFixed(1)} MiB`);
});

// Node's entry has a large one-shot result's pages faulted in by the threadpool (`usePrefault`).
// The pages are written there, so a write of ours must never land in a piece whose fill has not
// finished; a fill that fails only costs the speed-up.
test('a large unsigned one-shot result is prefaulted piece by piece off the main thread, and no write lands in a piece still being filled', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const entry = ours.usePrefault(undefined);
  assert.equal(typeof entry?.fill, 'function', "Node's entry installs a prefault");
  // On Linux it reads /dev/zero into the view: the bytes must really be written.
  const junk = new Uint8Array((1 << 20) + 2).fill(0xee);
  await entry.fill(junk.subarray(1, -1));
  assert.deepEqual([junk[0], junk[1], junk[junk.length - 2], junk[junk.length - 1]], [0xee, 0, 0, 0xee], "the entry's fill writes its view and nothing past it");
  assert.ok(junk.subarray(1, -1).every((b) => b === 0));
  let views = [];
  // Finishes late and scribbles over its piece as it finishes: an early write would be lost.
  // The buffer's last piece finishes latest: it may hold nothing but the room past the result,
  // and is still to be waited for, so that nothing writes to a buffer once it is returned.
  const lateScribbler = (view) => new Promise((resolve) => {
    const last = view.byteOffset + view.length === view.buffer.byteLength;
    setTimeout(() => { views.push(view.length); view.fill(0xa5); resolve(); }, last ? 150 : 5 + 20 * Math.random());
  });
  try {
    const failing = () => Promise.reject(new Error('no'));
    for (const [fill, label] of [[lateScribbler, 'late'], [failing, 'failing'], [entry.fill, "the entry's"]]) {
      ours.usePrefault({ fill });
      for (const suiteId of [0x0478, 0x0578]) {
        // Under the prefault threshold, and a plaintext ending before its message's last piece.
        for (const size of [3 << 20, (8 << 20) - 2000]) {
          const what = `${label} fill, 0x${suiteId.toString(16)}, ${size} bytes`;
          const plaintext = randomBytes(size);
          views = [];
          const { result } = await ours.encrypt(keyring, plaintext, { suiteId });
          // Checked by the wasm-only path, which never prefaults.
          const wasmOpened = await onPath('wasm', () => ours.decrypt(keyring, result));
          assert.ok(Buffer.from(wasmOpened.plaintext).equals(plaintext), `${what}: encrypt`);
          const filled = () => views.reduce((a, b) => a + b, 0);
          // The encrypt buffer has room for the longest footer beyond the message. A signed
          // message is not prefaulted: its hash worker needs the cores.
          const skipped = size < 4 << 20 || suiteId === 0x0578;
          if (fill === lateScribbler) assert.ok(skipped ? !views.length : filled() >= result.length && filled() < result.length + 200, `${what}: encrypt prefaulted ${filled()} bytes`);
          views = [];
          const opened = await ours.decrypt(keyring, result);
          assert.ok(Buffer.from(opened.plaintext).equals(plaintext), `${what}: decrypt`);
          if (fill === lateScribbler) assert.equal(filled(), skipped ? 0 : result.length, `${what}: decrypt prefaulted the message-sized buffer`);
        }
      }
    }
  } finally {
    ours.usePrefault(entry);
  }
});

// The browser's entry instead has its worker allocate a large one-shot result and move it here
// (`usePrefault({ allocate })`); what is written before it arrives waits in a list. The logic is
// the same in every runtime, so it is driven here with allocators that misbehave in each way.
test('a large one-shot result moved in from an allocator keeps everything written before it arrives, in order; any failure of the allocator only costs the speed-up', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const entry = ours.usePrefault(undefined);
  const given = [];
  const late = (ms) => (n) => new Promise((resolve) => setTimeout(() => { const b = new Uint8Array(n).fill(0xa5); given.push(b); resolve(b); }, ms));
  const allocators = {
    'arriving after everything was written': late(300),
    'arriving early': late(0),
    'giving undefined': () => undefined,
    'resolving to undefined': async () => undefined,
    'rejecting': () => Promise.reject(new Error('no')),
    'throwing': () => { throw new Error('no'); },
    'giving the wrong length': async (n) => new Uint8Array(n - 1),
  };
  try {
    for (const [label, allocate] of Object.entries(allocators)) {
      for (const suiteId of [0x0478, 0x0578]) {
        const what = `${label}, 0x${suiteId.toString(16)}`;
        const plaintext = randomBytes((6 << 20) + 123);
        let calls = 0;
        ours.usePrefault({ allocate: (n) => { calls++; return allocate(n); } });
        given.length = 0;
        const { result } = await ours.encrypt(keyring, plaintext, { suiteId, frameLength: 4096 });
        const wasmOpened = await onPath('wasm', () => ours.decrypt(keyring, result));
        assert.ok(Buffer.from(wasmOpened.plaintext).equals(plaintext), `${what}: encrypt`);
        const { plaintext: opened } = await ours.decrypt(keyring, result);
        assert.ok(Buffer.from(opened).equals(plaintext), `${what}: decrypt`);
        // A signed message is hashed by the worker that would allocate: it is left out.
        assert.equal(calls, suiteId === 0x0578 ? 0 : 2, `${what}: allocations asked for`);
        const moved = label.startsWith('arriving') && suiteId === 0x0478;
        assert.equal(given.length, moved ? 2 : 0, `${what}: buffers moved in`);
        if (moved) {
          assert.equal(result.buffer, given[0].buffer, `${what}: the result is a view of the moved buffer`);
          assert.equal(opened.buffer, given[1].buffer, `${what}: the plaintext is a view of the moved buffer`);
        }
      }
    }
    // A buffer late for a large message: sealing goes on while up to 64 MiB wait for it, then
    // waits too, so the list cannot grow to the size of the message.
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    ours.usePrefault({ allocate: (n) => gate.then(() => new Uint8Array(n)) });
    let sealedBytes = 0;
    ours.useSyncAesGcm({ ...nodeCipher, seal: (...args) => { sealedBytes += args[3].length; return nodeCipher.seal(...args); } });
    try {
      const plaintext = randomBytes(96 << 20);
      const encrypting = ours.encrypt(keyring, plaintext, { suiteId: 0x0478 });
      // Until sealing stops (it must, with the buffer held back), however fast this machine is.
      for (let last = -1, still = 0; still < 3; await new Promise((resolve) => setTimeout(resolve, 100))) {
        still = sealedBytes === last ? still + 1 : 0;
        last = sealedBytes;
        assert.ok(sealedBytes < 96 << 20, 'sealing waits for the buffer');
      }
      assert.ok(sealedBytes > 32 << 20 && sealedBytes < 70 << 20, `sealed ${sealedBytes >> 20} MiB before the buffer came`);
      release();
      const { result } = await encrypting;
      assert.equal(sealedBytes, 96 << 20);
      assert.ok(Buffer.from((await ours.decrypt(keyring, result)).plaintext).equals(plaintext));
    } finally {
      ours.useSyncAesGcm(nodeCipher);
    }
    // A decrypt that fails after frames were released into the list or the buffer leaves no
    // plaintext in either.
    for (const [label, allocate] of [['late', late(300)], ['early', late(0)]]) {
      const plaintext = randomBytes(6 << 20).fill(0x5a, 0, 4 << 20);
      ours.usePrefault(undefined);
      const { result } = await ours.encrypt(keyring, plaintext, { suiteId: 0x0478, frameLength: 4096 });
      result[result.length - 5] ^= 1; // the last frame's tag
      let arriving;
      ours.usePrefault({ allocate: (n) => (arriving = allocate(n)) });
      given.length = 0;
      await assert.rejects(ours.decrypt(keyring, result), { name: 'AuthenticationError' });
      await arriving;
      await new Promise((resolve) => setTimeout(resolve, 0)); // what the arrival set off has run
      assert.equal(given.length, 1);
      const leftover = given[0];
      const plaintextLeft = leftover.subarray(0, 4 << 20).some((b) => b === 0x5a);
      assert.ok(!plaintextLeft, `${label}: no released plaintext remains in the moved buffer`);
    }
  } finally {
    ours.usePrefault(entry);
  }
});

test('on the WebCrypto path, a failure of crypto.subtle.decrypt other than a bad tag is passed on, not taken for AuthenticationError (one-shot and streamed)', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  // Several frames: those in flight after the failed one reject too, and must not surface as
  // unhandled rejections (which end a Node process by default).
  const pt = randomBytes(40_000);
  const options = { frameLength: 4096, suiteId: 0x0478 };
  const { result } = await onPath('WebCrypto', () => ours.encrypt(keyring, pt, options));
  const tampered = Uint8Array.from(result);
  tampered[tampered.length - 20] ^= 1; // in the final frame
  const realDecrypt = globalThis.crypto.subtle.decrypt;
  for (const failure of [() => new DOMException('out of room', 'QuotaExceededError'), () => new TypeError('not a key')]) {
    const name = failure().name;
    let calls = 0;
    const restore = stubSubtle('decrypt', () => { calls++; return Promise.reject(failure()); });
    try {
      const oneShot = await onPath('WebCrypto', () => ours.decrypt(keyring, result)).catch((e) => e);
      assert.equal(oneShot.name, name, `one-shot: ${oneShot}`);
      const streamed = await onPath('WebCrypto', () => throughStream(ours.decryptStream(keyring), result)).catch((e) => e);
      assert.equal(streamed.name, name, `streamed: ${streamed}`);
      assert.ok(calls > 0, 'the stub was called: the WebCrypto path ran');
    } finally {
      restore();
    }
  }
  assert.equal(globalThis.crypto.subtle.decrypt, realDecrypt);
  // With WebCrypto's own failure for a bad tag, it is an AuthenticationError.
  const bad = await onPath('WebCrypto', () => ours.decrypt(keyring, tampered)).catch((e) => e);
  assert.equal(bad.name, 'AuthenticationError');
  assert.ok(Buffer.from((await onPath('WebCrypto', () => ours.decrypt(keyring, result))).plaintext).equals(pt));
});

test("a WebCrypto without zero-byte AES-GCM (Safari's) is never asked for it: messages ending in an empty frame encrypt and decrypt, one-shot and streamed", async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const subtle = globalThis.crypto.subtle;
  const { encrypt: realEncrypt, decrypt: realDecrypt } = subtle;
  // As the official browser SDK assumes of such an engine: no AES-GCM over zero bytes of
  // plaintext, to seal or to open (a body that is only its 16-byte tag).
  const asked = [];
  const refusing = (real, name, empty) => (algorithm, key, data) => {
    if (algorithm?.name === 'AES-GCM' && data.byteLength === empty) {
      asked.push(name);
      return Promise.reject(new DOMException('zero-byte AES-GCM is not supported', 'OperationError'));
    }
    return real.call(subtle, algorithm, key, data);
  };
  const restoreEncrypt = stubSubtle('encrypt', refusing(realEncrypt, 'encrypt', 0));
  const restoreDecrypt = stubSubtle('decrypt', refusing(realDecrypt, 'decrypt', 16));
  try {
    // Empty, and whole multiples of the frame length: each ends in an empty final frame.
    for (const [suiteId, size] of [0, 4096, 3 * 4096].flatMap((n) => [[0x0478, n], [0x0578, n]])) {
      const pt = randomBytes(size);
      const options = { frameLength: 4096, suiteId };
      const oneShot = (await onPath('WebCrypto', () => ours.encrypt(keyring, pt, options))).result;
      const streamed = await onPath('WebCrypto', () => throughStream(ours.encryptStream(keyring, options), pt));
      for (const message of [oneShot, streamed]) {
        assert.ok(Buffer.from((await onPath('WebCrypto', () => ours.decrypt(keyring, message))).plaintext).equals(pt), `one-shot decrypt, ${size} bytes, suite ${suiteId}`);
        assert.ok((await onPath('WebCrypto', () => throughStream(ours.decryptStream(keyring), message))).equals(pt), `streamed decrypt, ${size} bytes, suite ${suiteId}`);
      }
    }
    assert.deepEqual(asked, []);
  } finally {
    restoreEncrypt();
    restoreDecrypt();
  }
});

test('cancelling or aborting an encryptStream in mid-frame aborts its external SHA-384 hasher, on each native AES-GCM path', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const made = [];
  const recording = () => {
    const hasher = { updated: 0, aborted: 0, update(b) { hasher.updated += b.length; }, digest: async () => new Uint8Array(48), abort() { hasher.aborted++; } };
    made.push(hasher);
    return hasher;
  };
  const previous = ours.useExternalSha384(recording);
  try {
    for (const path of ['node:crypto', 'WebCrypto']) {
      for (const how of ['writer.abort', 'readable.cancel']) {
        made.length = 0;
        await onPath(path, async () => {
          const stream = ours.encryptStream(keyring, { frameLength: 4096, suiteId: 0x0578 });
          const reader = stream.readable.getReader();
          const writer = stream.writable.getWriter();
          const header = await reader.read(); // the header, hashed
          assert.ok(!header.done);
          const reading = reader.read().catch(() => {}); // ends with the abort or the cancel
          await writer.write(randomBytes(1000)); // less than a frame: held in the stream
          if (how === 'writer.abort') await writer.abort(new Error('gone'));
          else {
            await reader.cancel('gone');
            await reading;
          }
        });
        assert.equal(made.length, 1, `${path}, ${how}: the stream hashed externally`);
        assert.ok(made[0].updated > 0, `${path}, ${how}: the header was hashed`);
        assert.equal(made[0].aborted, 1, `${path}, ${how}: the hasher was aborted`);
      }
    }
  } finally {
    ours.useExternalSha384(previous);
  }
});

test('decryptStream releases plaintext while the message is still being written (frames in flight are bounded), on every AES-GCM path', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const pt = randomBytes(2 << 20);
  for (const suiteId of [0x0478, 0x0578]) {
    const { result } = await ours.encrypt(keyring, pt, { frameLength: 4096, suiteId });
    for (const path of AES_PATHS) {
      await onPath(path, async () => {
        const stream = ours.decryptStream(keyring);
        let read = 0;
        const parts = [];
        const reading = (async () => {
          for await (const part of stream.readable) {
            read += part.length;
            parts.push(Buffer.from(part));
          }
        })();
        const writer = stream.writable.getWriter();
        const chunk = 16 << 10;
        let readAtHalf;
        for (let at = 0; at < result.length; at += chunk) {
          if (readAtHalf === undefined && at >= result.length / 2) readAtHalf = read;
          await writer.write(result.subarray(at, at + chunk));
        }
        await writer.close();
        await reading;
        assert.ok(Buffer.concat(parts).equals(pt), `${path}, 0x${suiteId.toString(16)}`);
        assert.ok(readAtHalf > pt.length / 4, `${path}, 0x${suiteId.toString(16)}: ${readAtHalf} bytes read out when half the message was written`);
      });
    }
  }
});

test('plaintext and keys that pass through wasm are wiped there, not only freed: streams on every AES-GCM path, one-shot calls, a raw AES wrapping key', async () => {
  const { memory } = await ours.ready();
  const copiesInWasm = (needle) => copiesInMemory(memory, needle);
  const wrappingKey = randomBytes(32);
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey });
  assert.equal(copiesInWasm(wrappingKey), 0, 'the wrapping key is kept expanded, its bytes wiped');
  for (const path of AES_PATHS) {
    for (const suiteId of [0x0478, 0x0578]) {
      const options = { frameLength: 4096, suiteId };
      // Samples from the first frame to the last, looked for after each call.
      const leftIn = (pt, what) => {
        for (const at of [0, 20_000, pt.length - 40]) assert.equal(copiesInWasm(pt.subarray(at, at + 32)), 0, `${path}, 0x${suiteId.toString(16)}, ${what}: plaintext at ${at} left in wasm memory`);
      };
      const pt = randomBytes(50_000);
      const message = await onPath(path, () => throughStream(ours.encryptStream(keyring, options), pt));
      leftIn(pt, 'encryptStream');
      assert.ok((await onPath(path, () => throughStream(ours.decryptStream(keyring), message))).equals(pt));
      leftIn(pt, 'decryptStream');
      const other = randomBytes(50_000);
      const { result } = await onPath(path, () => ours.encrypt(keyring, other, options));
      leftIn(other, 'encrypt');
      assert.ok(Buffer.from((await onPath(path, () => ours.decrypt(keyring, result))).plaintext).equals(other));
      leftIn(other, 'decrypt');
    }
  }
});

test('a one-shot decrypt zeroes each buffer a frame was opened into once it is copied into the result, and those of frames in flight when it fails (node:crypto and WebCrypto)', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const pt = randomBytes(40 * 1024);
  const { result } = await ours.encrypt(keyring, pt, { frameLength: 1024, suiteId: 0x0478 });
  const tampered = Uint8Array.from(result);
  tampered[tampered.length - 1] ^= 1; // the final frame's tag
  const opened = [];
  const watched = {
    'node:crypto': () => ours.useSyncAesGcm({ ...nodeCipher, open: (...args) => { const p = nodeCipher.open(...args); if (p) opened.push(p); return p; } }),
    WebCrypto: () => stubSubtle('decrypt', async function (...args) {
      const p = await Object.getPrototypeOf(this).decrypt.apply(this, args);
      opened.push(new Uint8Array(p));
      return p;
    }),
  };
  for (const path of ['node:crypto', 'WebCrypto']) {
    for (const [what, message] of [['verified', result], ['failing', tampered]]) {
      opened.length = 0;
      const got = await onPath(path, async () => {
        const restore = watched[path]();
        try {
          return await ours.decrypt(keyring, message);
        } catch (e) {
          return e;
        } finally {
          if (path === 'WebCrypto') restore();
        }
      });
      if (what === 'verified') assert.ok(Buffer.from(got.plaintext).equals(pt), `${path}: ${got}`);
      else assert.equal(got.name, 'AuthenticationError');
      await new Promise((resolve) => setTimeout(resolve, 50)); // frames still opening when it failed
      assert.ok(opened.length >= 30, `${path}: the ${what} call opened its frames here (${opened.length})`);
      const holding = opened.filter((p) => p.some((b) => b !== 0));
      assert.equal(holding.length, 0, `${path}, ${what}: ${holding.length} of ${opened.length} frame buffers still hold plaintext`);
    }
  }
});
