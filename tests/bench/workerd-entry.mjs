// workerd side of the envelope benchmark: kms-wasm (its `workerd` entry) and
// @aws-crypto/client-browser in one Worker; `workerd test` calls test(), which prints the table.
import * as ours from 'kms-wasm';
import { configureFallback } from '@aws-crypto/client-browser';
import { benchEnvelope } from './envelope-core.mjs';
import { clientBrowser } from './client-browser-anchor.mjs';

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

export default {
  async test() {
    // client-browser cannot tell whether workerd's WebCrypto does zero-byte AES-GCM (its probe
    // runs at module scope, where Workers allow no crypto) and refuses to run without a fallback
    // for it: its README's remedy, with workerd's own WebCrypto.
    await configureFallback(crypto.subtle);
    const lines = [];
    await benchEnvelope({ ours, theirs: clientBrowser, sizes: [16 << 20, 64 << 20], suites: [0x0578, 0x0478], runtime: 'workerd', log: (l) => lines.push(l), runs: 7, sha384 });
    console.log(lines.join('\n'));
  },
};
