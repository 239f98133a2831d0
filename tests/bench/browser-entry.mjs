// Browser side of the envelope benchmark: kms-wasm and @aws-crypto/client-browser in one page.
import * as ours from 'kms-wasm';
import { buildClient, CommitmentPolicy, RawAesKeyringWebCrypto, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-browser';
import { benchEnvelope } from './envelope-core.mjs';
import { Buffer } from 'buffer';

// @aws-crypto/client-browser's dependencies expect a global Buffer, as bundler setups provide.
globalThis.Buffer ??= Buffer;

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
window.runBench = async () => {
  const lines = [];
  await ours.ready();
  const theirs = {
    name: '@aws-crypto/client-browser',
    keyring: (key) => {
      const masterKey = RawAesKeyringWebCrypto.importCryptoKey(Uint8Array.from(key), RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING);
      return { masterKey, kr: null };
    },
    encrypt: async (k, data, { suiteId }) => encrypt(await resolve(k), data, { suiteId }),
    decrypt: async (k, ct) => decrypt(await resolve(k), ct),
  };
  async function resolve(k) {
    k.kr ??= new RawAesKeyringWebCrypto({ keyName: 'bench', keyNamespace: 'bench', masterKey: await k.masterKey, wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
    return k.kr;
  }
  await benchEnvelope({ ours, theirs, sizes: [1 << 20, 64 << 20], suites: [0x0578, 0x0478], runtime: `headless Chromium ${navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? ''}`, log: (l) => lines.push(l), runs: 7 });
  return lines;
};
