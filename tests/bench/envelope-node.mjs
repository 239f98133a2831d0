// Envelope throughput in Node against the anchors (memory: envelope-memory.mjs, in a fresh process).
import { createHash } from 'node:crypto';
import * as esdk from '@aws-crypto/client-node';
import { benchEnvelope } from './envelope-core.mjs';
import { importPackage } from '../js/helpers.mjs';

const ours = await importPackage();
const { encrypt, decrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const theirs = {
  name: '@aws-crypto/client-node',
  keyring: (key) => new esdk.RawAesKeyringNode({ keyName: 'bench', keyNamespace: 'bench', unencryptedMasterKey: Uint8Array.from(key), wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING }),
  encrypt: (kr, data, { suiteId }) => encrypt(kr, data, { suiteId }),
  decrypt: (kr, ct) => decrypt(kr, ct),
};
// What Node's entry hashes signed messages with: OpenSSL's SHA-384 through node:crypto.
const sha384 = { name: 'node:crypto', digest: (bytes) => createHash('sha384').update(bytes).digest() };
await benchEnvelope({ ours, theirs, sizes: [1 << 20, 64 << 20], suites: [0x0578, 0x0478], runtime: `Node ${process.version}`, sha384 });

// Where a runtime has no WebCrypto (e.g. a page served over plain http), AES-GCM runs in wasm
// (the aes-gcm crate, src/gcm): the same table with that fallback forced.
ours.useWebCrypto(false);
await benchEnvelope({ ours, theirs, sizes: [16 << 20], suites: [0x0478], runtime: `Node ${process.version}, kms-wasm forced to its wasm AES-GCM fallback`, runs: 3 });
ours.useWebCrypto(true);
