// Peak memory a 256 MiB streaming encrypt + decrypt adds in Node, beside two anchors doing the
// same work: raw WebCrypto AES-GCM over 64 KiB frames (16 in flight, as ours) and the official
// `@aws-crypto/client-node` streams (raw AES keyring, the default suite 0x0578 as ours). Each figure
// comes from a fresh process, so earlier allocations do not hide it, and each is run several
// times because a peak depends on when V8 happens to collect.
//   node bench/envelope-memory.mjs            the table
//   node [--expose-gc] bench/envelope-memory.mjs --one <kms-wasm|webcrypto|client-node>
import { execFileSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { importPackage } from '../js/helpers.mjs';

const TOTAL = 256 * 1024 * 1024;
const FRAME = 65536;
const RUNS = 3;

/** One pipeline in this process: `{ ok, addedMiB, secs }`. */
async function measureOne(what) {
  const run = await pipelineFor(what);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const t = performance.now();
  const received = await run();
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ok: received === TOTAL, addedMiB: (peak - baseline) / 1048576, secs: (performance.now() - t) / 1e3 };
}

/** 256 MiB made on the fly in 1 MiB chunks; with --expose-gc, a collection every 16 MiB. */
function* plaintextChunks() {
  const chunk = new Uint8Array(1 << 20);
  crypto.getRandomValues(chunk.subarray(0, FRAME));
  for (let produced = 0; produced < TOTAL; produced += chunk.length) {
    if (globalThis.gc && produced % (16 << 20) === 0) globalThis.gc();
    yield chunk.slice();
  }
}

const webSource = () => {
  const chunks = plaintextChunks();
  return new ReadableStream({ pull(c) { const { done, value } = chunks.next(); if (done) c.close(); else c.enqueue(value); } }, { highWaterMark: 2 });
};

async function countWeb(stream) {
  let received = 0;
  for await (const part of stream) received += part.length;
  return received;
}

/** A TransformStream applying `op` to each 64 KiB frame, 16 frames in flight, in order. */
function framesThrough(op, frameIn) {
  const inFlight = [];
  let pending = new Uint8Array(0);
  let seq = 0;
  const start = (frame) => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, ++seq);
    inFlight.push(op(iv, frame).then((b) => new Uint8Array(b)));
  };
  const drain = async (c, keep) => { while (inFlight.length > keep) c.enqueue(await inFlight.shift()); };
  return new TransformStream({
    async transform(chunk, c) {
      let bytes = chunk;
      if (pending.length) {
        bytes = new Uint8Array(pending.length + chunk.length);
        bytes.set(pending);
        bytes.set(chunk, pending.length);
      }
      let at = 0;
      for (; bytes.length - at >= frameIn; at += frameIn) {
        start(bytes.subarray(at, at + frameIn));
        await drain(c, 15);
      }
      pending = bytes.slice(at);
    },
    async flush(c) {
      if (pending.length) start(pending);
      await drain(c, 0);
    },
  });
}

async function pipelineFor(what) {
  if (what === 'kms-wasm') {
    const ours = await importPackage();
    await ours.ready();
    const keyring = new ours.RawAesKeyring({ keyName: 'm', keyNamespace: 'm', wrappingKey: new Uint8Array(32).fill(3) });
    const opts = { suiteId: 0x0578 };
    return () => countWeb(webSource().pipeThrough(ours.encryptStream(keyring, opts)).pipeThrough(ours.decryptStream(keyring)));
  }
  if (what === 'webcrypto') {
    const key = await crypto.subtle.importKey('raw', new Uint8Array(32).fill(3), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const seal = (iv, frame) => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, frame);
    const open = (iv, frame) => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, frame);
    return () => countWeb(webSource().pipeThrough(framesThrough(seal, FRAME)).pipeThrough(framesThrough(open, FRAME + 16)));
  }
  if (what === 'client-node') {
    const esdk = await import('@aws-crypto/client-node');
    const { encryptStream, decryptStream } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const keyring = new esdk.RawAesKeyringNode({
      keyName: 'm', keyNamespace: 'm', unencryptedMasterKey: new Uint8Array(32).fill(3),
      wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    return async () => {
      let received = 0;
      const count = new Writable({ write(part, _enc, done) { received += part.length; done(); } });
      await pipeline(Readable.from(plaintextChunks()), encryptStream(keyring, { suiteId: 0x0578 }), decryptStream(keyring), count);
      return received;
    };
  }
  throw new Error(`unknown pipeline ${what}`);
}

const oneAt = process.argv.indexOf('--one');
if (oneAt > 0) {
  console.log(JSON.stringify(await measureOne(process.argv[oneAt + 1])));
} else {
  const self = fileURLToPath(import.meta.url);
  const fresh = (what, gc) => JSON.parse(execFileSync(process.execPath, [...(gc ? ['--expose-gc'] : []), self, '--one', what], { encoding: 'utf8' }));
  console.log('\n## Streaming 256 MiB in Node: encryptStream → decryptStream (suite 0x0578, the default, 64 KiB frames)\n');
  console.log(`Peak RSS added, MiB, lowest–highest of ${RUNS} fresh processes each (target for kms-wasm: < 64 MiB);`);
  console.log('the raw WebCrypto row encrypts and decrypts the same frames with nothing else around them.\n');
  console.log('| what | peak added | with a GC every 16 MiB | seconds | kms-wasm ÷ this (highest peak) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const rows = [];
  for (const what of ['kms-wasm', 'webcrypto', 'client-node']) {
    const plain = [];
    const collected = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(fresh(what, false));
      collected.push(fresh(what, true));
    }
    if (![...plain, ...collected].every((r) => r.ok)) throw new Error(`${what}: the plaintext out differs from the plaintext in`);
    rows.push({ what, plain, collected });
  }
  const range = (rs) => {
    const mib = rs.map((r) => r.addedMiB);
    return `${Math.min(...mib).toFixed(1)}–${Math.max(...mib).toFixed(1)}`;
  };
  const highest = (rs) => Math.max(...rs.map((r) => r.addedMiB));
  const names = { 'kms-wasm': 'kms-wasm', webcrypto: 'raw WebCrypto AES-GCM', 'client-node': '@aws-crypto/client-node' };
  for (const r of rows) {
    const secs = Math.min(...r.plain.map((x) => x.secs)).toFixed(1);
    const ratio = r.what === 'kms-wasm' ? '' : (highest(rows[0].plain) / highest(r.plain)).toFixed(2);
    console.log(`| ${names[r.what]} | ${range(r.plain)} | ${range(r.collected)} | ${secs} | ${ratio} |`);
  }
}
