// Envelope throughput in Node against the anchors, one-shot and streamed (memory:
// envelope-memory.mjs, in a fresh process).
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
// `--streams`: only the streams' table.
if (!process.argv.includes('--streams')) {
  await benchEnvelope({ ours, theirs, sizes: [1 << 20, 64 << 20], suites: [0x0578, 0x0478], runtime: `Node ${process.version}`, sha384 });

  // Where a runtime has no WebCrypto (e.g. a page served over plain http), AES-GCM runs in wasm
  // (the aes-gcm crate, src/gcm): the same table with that fallback forced.
  ours.useWebCrypto(false);
  await benchEnvelope({ ours, theirs, sizes: [16 << 20], suites: [0x0478], runtime: `Node ${process.version}, kms-wasm forced to its wasm AES-GCM fallback`, runs: 3 });
  ours.useWebCrypto(true);
}

// Streams, as a file is read: 64 MiB written in 64 KiB chunks (fs's default), which do not end on
// frame boundaries once encrypted, so most frames arrive split across two chunks.
async function benchStreams(runs = 3) {
  const size = 64 << 20;
  const piece = 64 << 10;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
  const keyring = new ours.RawAesKeyring({ keyName: 'bench', keyNamespace: 'bench', wrappingKey });
  const theirKeyring = theirs.keyring(wrappingKey);
  const { encryptStream, decryptStream } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  // Views, made before the clock starts: only the streams are timed.
  const pieces = (bytes) => { const out = []; for (let i = 0; i < bytes.length; i += piece) out.push(bytes.subarray(i, i + piece)); return out; };
  const webThrough = async (stream, parts) => {
    parts = [...parts];
    const source = new ReadableStream({ pull(c) { const p = parts.shift(); if (p) c.enqueue(p); else c.close(); } });
    const out = [];
    for await (const part of source.pipeThrough(stream)) out.push(part);
    return out;
  };
  const nodeThrough = async (stream, parts) => {
    const out = [];
    await pipeline(Readable.from(parts), stream, new Writable({ write(part, _e, done) { out.push(part); done(); } }));
    return out;
  };
  const joinParts = (parts) => { const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); parts.reduce((at, p) => (all.set(p, at), at + p.length), 0); return all; };
  const timeBest = async (fn) => { let bestMs = Infinity; for (let i = 0; i < runs; i++) { const t = performance.now(); await fn(); bestMs = Math.min(bestMs, performance.now() - t); } return size / 1e6 / (bestMs / 1e3); };
  console.log(`\n## Envelope streams, Node ${process.version}: 64 MiB written in 64 KiB chunks (MB/s, best of ${runs})\n`);
  console.log('| suite | what | encrypt | decrypt | kms-wasm ÷ this, enc / dec |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  const plainPieces = pieces(data);
  for (const suiteId of [0x0578, 0x0478]) {
    let ourParts, theirParts;
    const oEnc = await timeBest(async () => { ourParts = await webThrough(ours.encryptStream(keyring, { suiteId }), plainPieces); });
    const ourMessage = pieces(joinParts(ourParts));
    const oDec = await timeBest(() => webThrough(ours.decryptStream(keyring), ourMessage));
    const tEnc = await timeBest(async () => { theirParts = await nodeThrough(encryptStream(theirKeyring, { suiteId }), plainPieces); });
    const theirMessage = pieces(joinParts(theirParts));
    const tDec = await timeBest(() => nodeThrough(decryptStream(theirKeyring), theirMessage));
    const name = `0x${suiteId.toString(16).padStart(4, '0')}`;
    console.log(`| ${name} | kms-wasm encryptStream / decryptStream | ${oEnc.toFixed(0)} | ${oDec.toFixed(0)} | |`);
    console.log(`| ${name} | ${theirs.name} encryptStream / decryptStream | ${tEnc.toFixed(0)} | ${tDec.toFixed(0)} | ${(oEnc / tEnc).toFixed(2)} / ${(oDec / tDec).toFixed(2)} |`);
  }
}
await benchStreams();
