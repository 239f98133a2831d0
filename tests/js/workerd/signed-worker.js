// Signed messages (suite 0x0578, the default) in workerd: each message's SHA-384 comes from the
// runtime's crypto.DigestStream (counted here), and messages go to and come from
// @aws-crypto/client-node through the calling test's server (env.SINK).
import { RawAesKeyring, encrypt, decrypt, encryptStream, decryptStream } from './kms-wasm/workerd.js';

let hashers = 0;
const NativeDigestStream = crypto.DigestStream;
crypto.DigestStream = class extends NativeDigestStream {
  constructor(algorithm) {
    super(algorithm);
    if (algorithm === 'SHA-384') hashers += 1;
  }
};

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function plaintextOf(length) {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + 7) & 255;
  return bytes;
}

function chunked(bytes, size) {
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
      controller.close();
    },
  });
}

async function collect(readable) {
  const reader = readable.getReader();
  const parts = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Runs `run` and checks that it hashed exactly one message with DigestStream. */
async function hashedNatively(what, run) {
  const before = hashers;
  const result = await run();
  check(hashers === before + 1, `${what} hashed its message with crypto.DigestStream (${hashers - before} streams)`);
  return result;
}

export default {
  async test(controller, env) {
    const wrappingKey = Uint8Array.from(atob(env.WRAPPING_KEY), (c) => c.charCodeAt(0));
    const keyring = new RawAesKeyring({ keyName: env.KEY_NAME, keyNamespace: env.KEY_NAMESPACE, wrappingKey });
    const plaintext = plaintextOf(Number(env.SIZE));

    // 2 MiB frames: sealed frames larger than the hasher's batch go to it as they are.
    const { result } = await hashedNatively('encrypt', () => encrypt(keyring, plaintext, { frameLength: 1 << 21 }));
    const streamed = await hashedNatively('encryptStream', () => collect(chunked(plaintext, 100_000).pipeThrough(encryptStream(keyring))));
    for (const [path, body] of [['one-shot', result], ['stream', streamed]]) {
      const res = await fetch(`${env.SINK}/${path}`, { method: 'POST', body });
      check(res.ok, `POST ${path}: ${res.status}`);
    }

    const theirs = new Uint8Array(await (await fetch(`${env.SINK}/theirs`)).arrayBuffer());
    const opened = await hashedNatively('decryptStream', () => collect(chunked(theirs, 1_500_000).pipeThrough(decryptStream(keyring))));
    check(same(opened, plaintext), 'decryptStream of the client-node message gives its plaintext');
    check(same((await decrypt(keyring, theirs)).plaintext, plaintext), 'decrypt of the client-node message gives its plaintext');

    const forged = theirs.slice();
    forged[forged.length - 1] ^= 1; // the last byte of the signature's s
    let error;
    try {
      await collect(chunked(forged, 1_500_000).pipeThrough(decryptStream(keyring)));
    } catch (e) {
      error = e;
    }
    check(error?.name === 'SignatureError', `a forged signature fails the stream with SignatureError, got ${error}`);
    console.log('workerd: signed messages passed');
  },
};
