// What a long-running process lets go of is reclaimed. wasm memory never shrinks and what wasm
// holds of JS (its externref table) is a GC root: anything dropped that either keeps grows for
// ever. Node, with the garbage collector run by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { exposedGc, importPackage, packageDir } from './helpers.mjs';

const ours = await importPackage();
await ours.ready();
// The module the package loaded (initSync gives back the instance already made).
const wasm = (await import(join(packageDir(), 'kms_wasm.js'))).initSync();
const gc = exposedGc();
const collect = async () => {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const keyring = new ours.RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) });

/** wasm memory and externref-table sizes after each of `rounds` rounds of `n` calls of `make`. */
async function sizesAfterRounds(make, rounds = 4, n = 1000) {
  const sizes = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < n; i++) await make();
    await collect();
    sizes.push({ memory: wasm.memory.buffer.byteLength, table: wasm.__wbindgen_externrefs.length });
  }
  return sizes;
}

test('encryptStream and decryptStream dropped unfinished (never ended, cancelled or aborted) leave nothing behind in wasm', async () => {
  const message = (await ours.encrypt(keyring, new Uint8Array(20_000), { frameLength: 4096 })).result;
  const dropEncrypting = async () => {
    const stream = ours.encryptStream(keyring);
    await stream.messageHeader;
  };
  // Past its header and first frame: the keyring's work is done, the rest never comes.
  const dropDecrypting = async () => {
    const stream = ours.decryptStream(keyring);
    stream.writable.getWriter().write(message.subarray(0, 6000));
    await stream.messageHeader;
    await stream.readable.getReader().read();
  };
  for (const [what, drop] of [['encryptStream', dropEncrypting], ['decryptStream', dropDecrypting]]) {
    const [warm, ...later] = await sizesAfterRounds(drop);
    for (const size of later) assert.deepEqual(size, warm, `${what}: the sizes after the first round stay the same`);
  }
});

test('a KMS client whose credentials are a function is reclaimed once dropped, without destroy()', async () => {
  const n = 500;
  let reclaimed = 0;
  const registry = new FinalizationRegistry(() => reclaimed++);
  for (let i = 0; i < n; i++) {
    const kms = new ours.KMS({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4', credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' }) });
    registry.register(kms, undefined);
    // Makes the client's wasm side (which keeps the function) and sends nothing.
    await assert.rejects(kms.listKeys({}, { abortSignal: AbortSignal.abort() }), { name: 'AbortError' });
  }
  await collect();
  assert.ok(reclaimed > n / 2, `${reclaimed} of ${n} clients reclaimed`);
});
