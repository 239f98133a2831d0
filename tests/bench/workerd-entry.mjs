// workerd side of the envelope benchmark: kms-wasm (its `workerd` entry) and
// @aws-crypto/client-browser in one Worker; `workerd test` calls test(), which prints the table.
import * as ours from 'kms-wasm';
import { buildClient, CommitmentPolicy, configureFallback, RawAesKeyringWebCrypto, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-browser';
import { benchEnvelope } from './envelope-core.mjs';
import { Buffer } from 'buffer';

globalThis.Buffer ??= Buffer;
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const wrapping = RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING;

export default {
  async test() {
    // client-browser cannot tell whether workerd's WebCrypto does zero-byte AES-GCM (its probe
    // runs at module scope, where Workers allow no crypto) and refuses to run without a fallback
    // for it: its README's remedy, with workerd's own WebCrypto.
    await configureFallback(crypto.subtle);
    const theirs = {
      name: '@aws-crypto/client-browser',
      keyring: (key) => ({ masterKey: RawAesKeyringWebCrypto.importCryptoKey(Uint8Array.from(key), wrapping) }),
      encrypt: async (k, data, { suiteId }) => encrypt(await resolve(k), data, { suiteId }),
      decrypt: async (k, ct) => decrypt(await resolve(k), ct),
    };
    async function resolve(k) {
      k.kr ??= new RawAesKeyringWebCrypto({ keyName: 'bench', keyNamespace: 'bench', masterKey: await k.masterKey, wrappingSuite: wrapping });
      return k.kr;
    }
    // What the workerd entry hashes signed messages with.
    const sha384 = {
      name: 'crypto.DigestStream',
      async digest(bytes) {
        const stream = new crypto.DigestStream('SHA-384');
        const writer = stream.getWriter();
        await writer.write(bytes);
        await writer.close();
        return stream.digest;
      },
    };
    const lines = [];
    await benchEnvelope({ ours, theirs, sizes: [16 << 20, 64 << 20], suites: [0x0578, 0x0478], runtime: 'workerd', log: (l) => lines.push(l), runs: 7, sha384 });
    console.log(lines.join('\n'));
  },
};
