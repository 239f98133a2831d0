// Bad input through the JavaScript glue's own decryption (src/js/core.js: frames located by wasm,
// opened by node:crypto in Node and by WebCrypto elsewhere, released in order, the final frame
// of a signed message held; the wasm AES-GCM path as well). The Rust tests cover the same
// inputs in the core alone (envelope_format.rs, envelope_mutations.rs); here the glue is what
// is under test. What a user relies on: a typed `KmsWasmError`, no plaintext from one-shot
// `decrypt`, and no byte from `decryptStream` that was not encrypted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aesPaths, AES_PATHS, chunkStream, footerLength, importPackage } from './helpers.mjs';

const ours = await importPackage();
const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'tamper', wrappingKey: new Uint8Array(32).fill(5) });
const ENVELOPE_ERRORS = new Set(['MalformedMessageError', 'AuthenticationError', 'SignatureError', 'UnsupportedSuiteError', 'CommitmentPolicyError', 'NoUsableKeyError', 'EncryptionContextError']);

async function originals() {
  const out = [];
  for (const suiteId of [0x0478, 0x0578]) {
    for (const [frameLength, size] of [[4, 10], [7, 21], [16, 0]]) {
      const plaintext = Uint8Array.from({ length: size }, (_, i) => (i * 13 + out.length * 101 + 1) & 255);
      const { result } = await ours.encrypt(keyring, plaintext, { suiteId, frameLength, encryptionContext: { case: String(out.length) } });
      out.push({ message: result, plaintext });
    }
  }
  return out;
}

// Node's entry opens frames with node:crypto; browsers and workerd with WebCrypto; without
// either, one-shot calls open them in wasm. `onPath` runs a function on one of these paths.
const { cipher: nodeCipher, on: onPath } = aesPaths(ours);

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const startsWith = (whole, part) => part.length <= whole.length && part.every((x, i) => x === whole[i]);

function assertTyped(e, what) {
  assert.ok(e instanceof ours.KmsWasmError, `${what}: ${e?.stack ?? e}`);
  assert.ok(ENVELOPE_ERRORS.has(e.name), `${what}: ${e.name}: ${e.message}`);
}

/** One-shot: an error, or an untouched original's plaintext. */
async function oneShot(all, message, what) {
  let plaintext;
  try {
    ({ plaintext } = await ours.decrypt(keyring, message));
  } catch (e) {
    return assertTyped(e, what);
  }
  const original = all.find((o) => equal(o.message, message));
  assert.ok(original, `${what}: a tampered message decrypted`);
  assert.ok(equal(plaintext, original.plaintext), what);
}

/** Streamed in `chunk`-byte pieces: every released byte belongs to an original's plaintext. */
async function streamed(all, message, chunk, what) {
  const released = [];
  let failure;
  try {
    for await (const part of chunkStream(message, chunk).pipeThrough(ours.decryptStream(keyring))) {
      released.push(...part);
      assert.ok(all.some((o) => startsWith(o.plaintext, released)), `${what}: released bytes nobody encrypted`);
    }
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    failure = e;
  }
  if (failure) return assertTyped(failure, what);
  const original = all.find((o) => equal(o.message, message));
  assert.ok(original, `${what}: a tampered message decrypted`);
  assert.ok(equal(Uint8Array.from(released), original.plaintext), what);
}

test('a message truncated at every length is refused by decrypt and decryptStream', async () => {
  const all = await originals();
  for (const { message } of all.filter((_, i) => i % 3 !== 2)) {
    for (let cut = 0; cut < message.length; cut++) {
      const short = message.subarray(0, cut);
      await oneShot(all, short, `cut at ${cut}`);
      await onPath('WebCrypto', async () => {
        await oneShot(all, short, `cut at ${cut}, WebCrypto`);
        await streamed(all, short, cut % 2 ? 64 : 5, `cut at ${cut}, WebCrypto, streamed`);
      });
      await streamed(all, short, cut % 2 ? 5 : 64, `cut at ${cut}, streamed`);
    }
  }
});

test('bytes after the end of a message are a MalformedMessageError, one-shot and streamed, on every AES path (client-node ignores them after an unsigned message)', async () => {
  const all = await originals();
  for (const { message } of all) {
    for (const extra of [[0], [1, 2, 3]]) {
      const longer = Uint8Array.from([...message, ...extra]);
      for (const path of AES_PATHS) {
        await onPath(path, async () => {
          const what = `${path}: ${message.length} + ${extra.length} bytes`;
          await assert.rejects(ours.decrypt(keyring, longer), (e) => e instanceof ours.KmsWasmError && e.name === 'MalformedMessageError', what);
          if (path === 'wasm') return; // streams need native AES-GCM or WebCrypto
          for (const chunk of [1, 5, 1 << 20]) {
            await assert.rejects(chunkStream(longer, chunk).pipeThrough(ours.decryptStream(keyring)).pipeTo(new WritableStream()), (e) => e.name === 'MalformedMessageError', `${what}, in ${chunk}-byte chunks`);
          }
        });
      }
    }
  }
});

test('every flipped bit of a signed message is refused, on the node:crypto, WebCrypto and wasm AES-GCM paths', async () => {
  assert.equal(typeof nodeCipher?.open, 'function', "Node's entry installs node:crypto's AES-GCM");
  const all = await originals();
  const { message } = all[3]; // 0x0578, 4-byte frames, 10 bytes: header, three frames, footer
  // Every bit goes through one-shot decrypt on the entry's path. The header is parsed by wasm
  // alone, the same on every path; from its tag on (frames, footer) the glue differs, so those
  // bits also go through the other paths and a stream. Footer bits there are one per byte (a
  // different bit each time): each costs a P-384 verify in wasm, and the Rust tests flip them all.
  const glueFrom = (message.length - 230) * 8;
  const footerAt = message.length - footerLength(message);
  const alsoElsewhere = (bit) => bit >= glueFrom && (bit < footerAt * 8 || bit % 8 === (bit >> 3) % 8);
  for (const path of AES_PATHS) {
    for (let bit = 0; bit < message.length * 8; bit++) {
      if (path !== 'node:crypto' && !alsoElsewhere(bit)) continue;
      const m = message.slice();
      m[bit >> 3] ^= 1 << (bit & 7);
      await onPath(path, async () => {
        await assert.rejects(ours.decrypt(keyring, m), (e) => (assertTyped(e, `${path}: bit ${bit}`), true));
        if (path !== 'wasm' && alsoElsewhere(bit)) await streamed(all, m, [3, 17, 64, 1 << 20][bit % 4], `${path}: bit ${bit}, streamed`);
      });
    }
  }
});

test('random tampering (bytes overwritten, ranges dropped, inserted, replayed, swapped, spliced) gives typed errors and no foreign plaintext', async () => {
  const all = await originals();
  let state = 0x2545f491;
  const rand = (n) => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return (state >>> 0) % Math.max(1, n);
  };
  const span = () => 1 + rand(24);
  for (let i = 0; i < 400; i++) {
    const base = all[rand(all.length)].message;
    let m = Array.from(base);
    const kind = rand(6);
    if (kind === 0) for (let k = 0; k <= rand(4); k++) m[rand(m.length)] = rand(256);
    else if (kind === 1) m.splice(rand(m.length), span());
    else if (kind === 2) m.splice(rand(m.length + 1), 0, ...Array.from({ length: span() }, () => rand(256)));
    else if (kind === 3) { const from = rand(m.length); m.splice(rand(m.length + 1), 0, ...base.slice(from, from + 2 * span())); }
    else if (kind === 4) {
      const n = 2 * span();
      if (m.length > 2 * n) {
        const a = rand(m.length - 2 * n);
        const b = a + n + rand(m.length - a - 2 * n + 1);
        const first = m.slice(a, a + n);
        m.splice(a, n, ...m.slice(b, b + n));
        m.splice(b, n, ...first);
      }
    } else {
      const other = all[rand(all.length)].message;
      const cut = rand(Math.min(m.length, other.length));
      m = [...m.slice(0, cut), ...other.slice(cut)];
    }
    const message = Uint8Array.from(m);
    await oneShot(all, message, `case ${i} (kind ${kind})`);
    await onPath('WebCrypto', async () => {
      await oneShot(all, message, `case ${i} (kind ${kind}), WebCrypto`);
      await streamed(all, message, 1 + rand(40), `case ${i} (kind ${kind}), WebCrypto, streamed`);
    });
    await streamed(all, message, 1 + rand(40), `case ${i} (kind ${kind}), streamed`);
  }
});

test("decryptStream's messageHeader: the verified header even when a frame of the same chunk then fails; never a tampered header", async () => {
  for (const path of AES_PATHS) {
    await onPath(path, async () => {
      // 1050 bytes in 100-byte frames: the final frame carries 50 bytes, its ciphertext ends 16 bytes before the end.
      const { result } = await ours.encrypt(keyring, new Uint8Array(1050), { suiteId: 0x0478, frameLength: 100, encryptionContext: { purpose: 'header' } });
      const bodyFlipped = result.slice();
      bodyFlipped[bodyFlipped.length - 20] ^= 1;
      const headerFlipped = result.slice();
      headerFlipped[Buffer.from(result).indexOf('header')] ^= 1; // the context's value
      for (const [message, headerOk] of [[bodyFlipped, true], [headerFlipped, false]]) {
        // One chunk: the header and the failing frame arrive in the same write.
        const stream = ours.decryptStream(keyring);
        const output = new Response(chunkStream(message, message.length).pipeThrough(stream)).arrayBuffer();
        await assert.rejects(output, (e) => (headerOk ? e.name === 'AuthenticationError' : ENVELOPE_ERRORS.has(e.name)), path);
        if (headerOk) assert.equal((await stream.messageHeader).encryptionContext.purpose, 'header', path);
        else await assert.rejects(stream.messageHeader, path);
      }
    });
  }
});

test('a header stuffed with encrypted data keys until it passes 512 MiB is a LimitExceededError, not a trap that ends the process (wasm memory ends at 4 GiB)', async () => {
  // Version 2, suite 0x0478, message id, empty context, 65535 keys: then fields of 64 KiB each,
  // all before any key or tag is checked. Only maxEncryptedDataKeys would refuse it sooner.
  const start = Uint8Array.from([2, 0x04, 0x78, ...new Uint8Array(32).fill(1), 0, 0, 0xff, 0xff]);
  const field = new Uint8Array(2 + 0xffff).fill(7);
  field[0] = field[1] = 0xff;
  const stream = ours.decryptStream(keyring);
  const reading = (async () => { for await (const _ of stream.readable); })().catch((e) => e);
  const writer = stream.writable.getWriter();
  let fed = 0;
  let refused;
  try {
    await writer.write(start);
    for (; fed < 600 << 20; fed += field.length) await writer.write(field);
  } catch (e) {
    refused = e;
  }
  assert.equal(refused?.name, 'LimitExceededError', `after ${fed >> 20} MiB: ${refused}`);
  assert.ok(fed >= 511 << 20 && fed < 513 << 20, `refused after ${fed >> 20} MiB`);
  assert.equal((await reading)?.name, 'LimitExceededError');
  assert.equal((await stream.messageHeader.catch((e) => e)).name, 'LimitExceededError');
  // The module still works.
  const { result } = await ours.encrypt(keyring, new Uint8Array(10), { suiteId: 0x0478 });
  assert.equal((await ours.decrypt(keyring, result)).plaintext.length, 10);
});
