// The WebCrypto fast path writes the same bytes as the wasm AES-GCM path: frame by frame
// under one content key, and as whole messages that decrypt with either path's keyring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { importPackage, packageDir } from './helpers.mjs';

const ours = await importPackage();
const { WasmEncryptor, WasmKeyring } = await import(join(packageDir(), 'kms_wasm.js'));

test('frames sealed by WebCrypto equal frames sealed by the aes-gcm crate', async () => {
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
    }
    enc.free();
  }
});

test('whole messages from either path decrypt with the other, for edge sizes', async () => {
  const keyring = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  for (const [suiteId, size] of [0, 1, 4095, 4096, 4097, 3 * 4096, 100_000].flatMap((n) => [[0x0478, n], [0x0578, n]])) {
    const pt = randomBytes(size);
    ours.useWebCrypto(true);
    const web = await ours.encrypt(keyring, pt, { frameLength: 4096, suiteId });
    ours.useWebCrypto(false);
    const wasm = await ours.encrypt(keyring, pt, { frameLength: 4096, suiteId });
    // Unsigned messages have a fixed length; signed ones differ only by the DER signature's length.
    if (suiteId === 0x0478) assert.equal(web.result.length, wasm.result.length, `same length at ${size}`);
    assert.ok(Buffer.from((await ours.decrypt(keyring, web.result)).plaintext).equals(pt));
    ours.useWebCrypto(true);
    assert.ok(Buffer.from((await ours.decrypt(keyring, wasm.result)).plaintext).equals(pt));
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
