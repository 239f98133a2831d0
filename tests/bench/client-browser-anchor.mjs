// @aws-crypto/client-browser as the benchmark's anchor (raw AES keyring, strict commitment
// policy), for the pages and Workers that run benchEnvelope.
import { buildClient, CommitmentPolicy, RawAesKeyringWebCrypto, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-browser';
import { Buffer } from 'buffer';

// Its dependencies expect a global Buffer, as bundler setups provide.
globalThis.Buffer ??= Buffer;

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const wrappingSuite = RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING;

// Its keyring takes a CryptoKey, imported asynchronously: made at first use.
async function resolve(k) {
  k.keyring ??= new RawAesKeyringWebCrypto({ keyName: 'bench', keyNamespace: 'bench', masterKey: await k.masterKey, wrappingSuite });
  return k.keyring;
}

export const clientBrowser = {
  name: '@aws-crypto/client-browser',
  keyring: (key) => ({ masterKey: RawAesKeyringWebCrypto.importCryptoKey(Uint8Array.from(key), wrappingSuite) }),
  encrypt: async (k, data, { suiteId }) => encrypt(await resolve(k), data, { suiteId }),
  decrypt: async (k, ct) => decrypt(await resolve(k), ct),
};
