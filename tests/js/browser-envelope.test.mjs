// Envelope paths that only a browser takes: signed messages hashed in the hash worker or, for
// small ones and where no worker may start, on the page's thread (by wasm, or by WebCrypto's
// ECDSA for one-shot decryption); and no AES-192 in WebCrypto (legacy suites are opened in
// wasm). The page bundles the built package with esbuild; the legacy messages come from
// @aws-crypto/client-node, made here in Node. Also the fetch-level behaviour of the KMS client
// that Node does not show (a redirect is not followed), and streams giving frames out without
// more input. Each test runs in headless Chromium and in Firefox ESR.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import * as esdk from '@aws-crypto/client-node';
import { footerLength, localServer, packageDir, repoPath, withFooterOf } from './helpers.mjs';
import { launchChromium, launchFirefox, serveStatic } from './browser.mjs';

const PAGE = `
import * as kms from 'kms-wasm';
// Counts the batches posted to the hash worker and WebCrypto's ECDSA verifications, so a test
// can tell which path hashed.
window.hashPosts = 0;
window.ecdsaVerifies = 0;
// Directives the page's CSP enforced (both browsers fire this event; not all forward the console).
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.effectiveDirective));
const verify = crypto.subtle.verify.bind(crypto.subtle);
crypto.subtle.verify = (...args) => {
  window.ecdsaVerifies++;
  return verify(...args);
};
if (globalThis.Worker) {
  const RealWorker = globalThis.Worker;
  globalThis.Worker = class extends RealWorker {
    postMessage(message, transfer) {
      if (message && message.buffer) window.hashPosts++;
      return super.postMessage(message, transfer);
    }
  };
}
const b64 = (bytes) => {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
// The page's raw AES keyring over a wrapping key the test sends as base64 (the Node side builds its twin).
const pageKeyring = (keyB64) => new kms.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: unb64(keyB64) });
const pieces = (bytes, size) => new ReadableStream({
  start(c) { for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.subarray(i, i + size)); c.close(); },
});
async function drain(stream) {
  const parts = [];
  let released = 0;
  try {
    for await (const p of stream) { parts.push(p); released += p.length; }
  } catch (e) {
    return { error: e.name, released };
  }
  const out = new Uint8Array(released);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return { bytes: b64(out) };
}
async function oneShot(promise) {
  try {
    return { bytes: b64((await promise).plaintext) };
  } catch (e) {
    return { error: e.name };
  }
}
window.decryptBoth = async (keyB64, messageB64, options) => {
  const keyring = pageKeyring(keyB64);
  const message = unb64(messageB64);
  return {
    oneShot: await oneShot(kms.decrypt(keyring, message, options)),
    stream: await drain(pieces(message, 3001).pipeThrough(kms.decryptStream(keyring, options))),
  };
};
window.encryptBoth = async (keyB64, plaintextB64, options) => {
  const keyring = pageKeyring(keyB64);
  const plaintext = unb64(plaintextB64);
  const oneShotResult = (await kms.encrypt(keyring, plaintext, options)).result;
  const streamed = await drain(pieces(plaintext, 5000).pipeThrough(kms.encryptStream(keyring, options)));
  return { oneShot: b64(oneShotResult), stream: streamed.bytes };
};
window.oneShotEncrypt = async (keyB64, plaintextB64, options) => {
  const keyring = pageKeyring(keyB64);
  return b64((await kms.encrypt(keyring, unb64(plaintextB64), options)).result);
};
// One-shot results of 4 MiB or more, unsigned, are allocated and faulted in by the worker and
// moved here: reports whether each result is a view of such a buffer.
window.movedResults = async (keyB64, plaintextB64) => {
  const entry = kms.usePrefault(undefined);
  const moved = [];
  kms.usePrefault({ allocate: (n) => entry.allocate(n)?.then((b) => (b && moved.push(b), b)) });
  try {
    // The first allocation asked for (once the module is loaded) starts the worker; until it is
    // up, results are allocated here.
    await kms.ready();
    for (let i = 0; i < 100 && !entry.allocate(1); i++) await new Promise((r) => setTimeout(r, 20));
    const keyring = pageKeyring(keyB64);
    const isMoved = (view) => moved.some((b) => b.buffer === view.buffer);
    // More than the worker can allocate: refused there, and the worker stays up for what follows.
    const out = { tooLarge: (await entry.allocate(2 ** 40)) === undefined };
    for (const suiteId of [0x0478, 0x0578]) {
      const { result } = await kms.encrypt(keyring, unb64(plaintextB64), { suiteId });
      const { plaintext } = await kms.decrypt(keyring, result);
      out[suiteId] = { encryptMoved: isMoved(result), decryptMoved: isMoved(plaintext), plaintext: b64(plaintext), message: b64(result) };
    }
    return out;
  } finally {
    kms.usePrefault(entry);
  }
};
// A KMS client whose endpoint answers with a redirect: what the call fails with.
window.redirected = async (endpoint) => {
  const client = new kms.KMS({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'SESSION-TOKEN' } });
  const err = await client.encrypt({ KeyId: 'k', Plaintext: new TextEncoder().encode('secret') }).catch((e) => e);
  return { name: err.name, service: err instanceof kms.KMSServiceException, attempts: err.$metadata?.attempts };
};
// Bytes out of a stream given three frames and a bit, with nothing more written (the writer
// waits for output before it writes more): how many came before a 2 s timeout.
window.outputWithoutMoreInput = async (keyB64) => {
  const keyring = pageKeyring(keyB64);
  const frameLength = 4096;
  const plaintext = new Uint8Array(20 * frameLength).map((_, i) => i);
  const { result } = await kms.encrypt(keyring, plaintext, { frameLength });
  const out = {};
  for (const [what, stream, input] of [['encrypt', kms.encryptStream(keyring, { frameLength }), plaintext], ['decrypt', kms.decryptStream(keyring), result]]) {
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    writer.write(input.slice(0, 3 * frameLength + 1000)).catch(() => {});
    let got = 0;
    const timeout = new Promise((resolve) => setTimeout(resolve, 2000, { timedOut: true }));
    while (got < 3 * frameLength) {
      const read = await Promise.race([reader.read(), timeout]);
      if (read.timedOut) break;
      got += read.value.length;
    }
    out[what] = got;
    reader.cancel().catch(() => {});
  }
  return out;
};
// Cancelling before the header came, by reader.cancel() and by an aborted pipeTo: what
// messageHeader settles with within 2 s ('pending' if it does not), and what the output gives.
window.cancelled = async (keyB64) => {
  const keyring = pageKeyring(keyB64);
  const settled = (p) => Promise.race([p.then(() => 'resolved', (e) => e.name), new Promise((r) => setTimeout(r, 2000, 'pending'))]);
  const byReader = kms.decryptStream(keyring);
  await byReader.readable.getReader().cancel();
  const ac = new AbortController();
  const byPipe = kms.decryptStream(keyring);
  const source = new ReadableStream({ pull() {} }); // nothing comes: the header is still to come
  const piping = source.pipeThrough(byPipe).pipeTo(new WritableStream(), { signal: ac.signal }).catch((e) => e.name);
  ac.abort();
  const enc = kms.encryptStream(keyring);
  const encReader = enc.readable.getReader();
  await encReader.read(); // the header
  await encReader.cancel();
  // After all that, streams still work.
  const { result } = await kms.encrypt(keyring, new Uint8Array([1, 2, 3]));
  const back = [];
  for await (const part of new ReadableStream({ start(c) { c.enqueue(result); c.close(); } }).pipeThrough(kms.decryptStream(keyring))) back.push(...part);
  return { reader: await settled(byReader.messageHeader), pipe: await settled(byPipe.messageHeader), piping: await piping, encrypt: await settled(enc.messageHeader), after: back };
};
// After writer.abort(), how many more chunks the readable gives before it errors (and how).
window.chunksAfterAbort = async (keyB64) => {
  const keyring = pageKeyring(keyB64);
  const { result } = await kms.encrypt(keyring, new Uint8Array(200_000), { suiteId: 0x0478, frameLength: 4096 });
  const stream = kms.decryptStream(keyring);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  writer.write(result).catch(() => {});
  await reader.read();
  await new Promise((r) => setTimeout(r, 50)); // frames pile up behind the first
  await writer.abort(new Error('stop')).catch(() => {});
  let after = 0;
  try {
    while (!(await reader.read()).done) after++;
    return { after, ended: 'done' };
  } catch (e) {
    return { after, ended: e.message };
  }
};
// Streams whose reader read one chunk and went away, neither cancelled nor ended: how many of
// the last round of n the garbage collector reclaimed (gc() from --js-flags=--expose-gc).
window.droppedAfterRead = async (keyB64, n) => {
  const keyring = pageKeyring(keyB64);
  const { result } = await kms.encrypt(keyring, new Uint8Array(20_000), { frameLength: 4096 });
  let reclaimed = 0;
  const registry = new FinalizationRegistry(() => reclaimed++);
  const collect = async () => {
    for (let i = 0; i < 10; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  for (const round of [1, 2]) {
    reclaimed = 0;
    for (let i = 0; i < n; i++) {
      const stream = kms.decryptStream(keyring);
      registry.register(stream, round);
      stream.writable.getWriter().write(result.subarray(0, 8192)).catch(() => {});
      await stream.readable.getReader().read();
    }
    await collect();
  }
  return reclaimed;
};
window.ready = true;
`;

// The package inside a dedicated module Worker and a module Service Worker (where apps put
// crypto work off the page): envelope round trips one-shot and streamed, 1 KiB and a signed
// 3 MiB (hashed in a nested hash worker where the scope has \`Worker\`, else in place), and a
// tampered message refused. Counts the nested workers it starts.
const WORKER = `
import * as kms from 'kms-wasm';
let nested = 0;
if (typeof Worker === 'function') {
  const Base = Worker;
  globalThis.Worker = class extends Base { constructor(...a) { super(...a); nested++; } };
}
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
async function run() {
  const keyring = new kms.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32).fill(3) });
  const sizes = {};
  for (const size of [1024, 3 << 20]) {
    const pt = new Uint8Array(size).map((_, i) => i * 7);
    const { result } = await kms.encrypt(keyring, pt);
    const { plaintext } = await kms.decrypt(keyring, result);
    const parts = [];
    for await (const part of new Blob([result]).stream().pipeThrough(kms.decryptStream(keyring))) parts.push(part);
    const streamed = new Uint8Array(await new Blob(parts).arrayBuffer());
    const tampered = result.slice();
    tampered[tampered.length - 200] ^= 1; // in the last frame
    const refused = await kms.decrypt(keyring, tampered).then(() => 'nothing', (e) => e.name);
    sizes[size] = { roundTrips: equal(plaintext, pt) && equal(streamed, pt), refused };
  }
  return { sizes, nested, hasWorker: typeof Worker === 'function', hasWindow: typeof window !== 'undefined' };
}
const answer = () => run().catch((e) => ({ failed: String(e?.stack ?? e) }));
if (typeof ServiceWorkerGlobalScope === 'function' && self instanceof ServiceWorkerGlobalScope) {
  self.addEventListener('message', (event) => event.waitUntil(answer().then((r) => event.ports[0].postMessage(r))));
} else {
  self.onmessage = async () => postMessage(await answer());
}
`;

let dir;
let server;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kms-browser-envelope-'));
  writeFileSync(join(dir, 'entry.mjs'), PAGE);
  await build({
    entryPoints: [join(dir, 'entry.mjs')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'page.js'),
    alias: { 'kms-wasm': join(packageDir(), 'index.js') }, nodePaths: [repoPath('tests/node_modules')], logLevel: 'silent',
  });
  writeFileSync(join(dir, 'worker-entry.mjs'), WORKER);
  await build({
    entryPoints: [join(dir, 'worker-entry.mjs')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'worker.js'),
    alias: { 'kms-wasm': join(packageDir(), 'index.js') }, logLevel: 'silent',
  });
  cpSync(join(packageDir(), 'kms_wasm_bg.wasm'), join(dir, 'kms_wasm_bg.wasm'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./page.js"></script>');
  // The same page where no worker may start.
  writeFileSync(join(dir, 'no-workers.html'), `<!doctype html><meta http-equiv="Content-Security-Policy" content="worker-src 'none'"><script type="module" src="./page.js"></script>`);
  server = await serveStatic(dir);
});

after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
// The official SDK's raw AES keyring over the same wrapping key as the page's.
const theirKeyring = (wrappingKey) => new esdk.RawAesKeyringNode({
  keyName: 'k', keyNamespace: 'ns', unencryptedMasterKey: Uint8Array.from(wrappingKey), wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
});

for (const [name, launch] of [['Chromium', launchChromium], ['Firefox ESR', launchFirefox]]) describe(name, () => {
  let browser;
  let page;
  before(async () => {
    browser = await launch();
    page = await browser.newPage();
    await page.goto(`${server.url}index.html`);
    await page.waitForFunction(() => window.ready === true);
  });
  after(() => browser?.close());

  test(`${name}: inside a dedicated module Worker and a module Service Worker, envelope round trips (one-shot and streamed, a signed 3 MiB among them) work and tampering is refused; the hash worker nests where the scope has Worker`, async () => {
    const results = await page.evaluate(async () => {
      const dedicated = await new Promise((resolve, reject) => {
        const worker = new Worker('./worker.js', { type: 'module' });
        worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
        worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
        worker.postMessage('run');
      });
      const registration = await navigator.serviceWorker.register('./worker.js', { type: 'module' });
      const sw = registration.installing ?? registration.waiting ?? registration.active;
      if (sw.state !== 'activated') await new Promise((resolve) => sw.addEventListener('statechange', () => sw.state === 'activated' && resolve()));
      const service = await new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (e) => resolve(e.data);
        sw.postMessage('run', [channel.port2]);
      });
      await registration.unregister();
      return { dedicated, service };
    });
    for (const [where, r] of Object.entries(results)) {
      assert.equal(r.failed, undefined, `${where}: ${r.failed}`);
      assert.equal(r.hasWindow, false, where);
      for (const [size, { roundTrips, refused }] of Object.entries(r.sizes)) {
        assert.ok(roundTrips, `${where}, ${size} bytes`);
        assert.equal(refused, 'AuthenticationError', `${where}, ${size} bytes`);
      }
    }
    // Firefox and Chromium give dedicated workers a Worker; a Service Worker has none, and hashes in place.
    assert.deepEqual([results.dedicated.hasWorker, results.dedicated.nested], [true, 1]);
    assert.deepEqual([results.service.hasWorker, results.service.nested], [false, 0]);
  });

  test(`${name}: a KMS endpoint that redirects gives a Redirect error after one attempt; the other origin is never reached`, async () => {
    const reached = [];
    const elsewhere = await localServer((req, res) => {
      reached.push(req.method);
      res.writeHead(200, { 'access-control-allow-origin': '*' }).end('{}');
    });
    let posts = 0;
    const redirecting = await localServer((req, res) => {
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '' };
      if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
      posts++;
      res.writeHead(307, { ...cors, location: `${elsewhere.url}/` }).end();
    });
    try {
      const got = await page.evaluate((e) => window.redirected(e), redirecting.url);
      assert.deepEqual(got, { name: 'Redirect', service: true, attempts: 1 });
      assert.equal(posts, 1, 'the request was sent, once');
      assert.deepEqual(reached, [], 'nothing reached the other origin');
    } finally {
      await Promise.all([redirecting.close(), elsewhere.close()]);
    }
  });

  test(`${name}: a stream cancelled before its header came rejects messageHeader with AbortError, by reader.cancel() or an aborted pipeTo`, async () => {
    const got = await page.evaluate((k) => window.cancelled(k), b64(randomBytes(32)));
    assert.deepEqual(got, { reader: 'AbortError', pipe: 'AbortError', piping: 'AbortError', encrypt: 'resolved', after: [1, 2, 3] });
  });

  test(`${name}: after writer.abort(), a decrypt stream gives no more plaintext: its readable errors with the abort's reason`, async () => {
    assert.deepEqual(await page.evaluate((k) => window.chunksAfterAbort(k), b64(randomBytes(32))), { after: 0, ended: 'stop' });
  });

  test(`${name}: a stream gives out its frames without waiting for more input (WebCrypto runs the AES here)`, async () => {
    const got = await page.evaluate((k) => window.outputWithoutMoreInput(k), b64(randomBytes(32)));
    assert.ok(got.encrypt >= 3 * 4096 && got.decrypt >= 3 * 4096, JSON.stringify(got));
  });

  test(`${name}: legacy suites from @aws-crypto/client-node (AES-192, opened in wasm; 0x0214, signed with P-256) decrypt under a relaxed policy only`, async () => {
    const wrappingKey = randomBytes(32);
    const theirs = theirKeyring(wrappingKey);
    const { encrypt } = esdk.buildClient(esdk.CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
    const plaintext = randomBytes(10_000);
    const relaxed = { commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' };
    for (const suiteId of [0x0046, 0x0146, 0x0346, 0x0214]) {
      const signed = suiteId === 0x0346 || suiteId === 0x0214;
      const { result } = await encrypt(theirs, plaintext, { suiteId, frameLength: 4096 });
      const got = await page.evaluate(([k, m, o]) => window.decryptBoth(k, m, o), [b64(wrappingKey), b64(result), relaxed]);
      assert.equal(got.oneShot.bytes, b64(plaintext), `0x${suiteId.toString(16)} one-shot: ${got.oneShot.error}`);
      assert.equal(got.stream.bytes, b64(plaintext), `0x${suiteId.toString(16)} stream: ${got.stream.error}`);

      const strict = await page.evaluate(([k, m]) => window.decryptBoth(k, m, {}), [b64(wrappingKey), b64(result)]);
      assert.equal(strict.oneShot.error, 'CommitmentPolicyError');
      assert.equal(strict.stream.error, 'CommitmentPolicyError');

      // A flipped bit in the second frame's ciphertext: nothing from one-shot, the stream stops at the first frame.
      const tampered = Buffer.from(result);
      const firstFrame = result.length - plaintext.length - 2 * (4 + 12 + 16) - (4 + 4 + 12 + 4 + 16) - (signed ? footerLength(result) : 0);
      tampered[firstFrame + (4 + 12 + 4096 + 16) + 4 + 12 + 10] ^= 1;
      const bad = await page.evaluate(([k, m, o]) => window.decryptBoth(k, m, o), [b64(wrappingKey), b64(tampered), relaxed]);
      // A signed message may fail its signature check first: wasm checks it as soon as the footer is parsed.
      const refusals = signed ? ['AuthenticationError', 'SignatureError'] : ['AuthenticationError'];
      assert.ok(refusals.includes(bad.oneShot.error), `0x${suiteId.toString(16)} one-shot: ${bad.oneShot.error}`);
      assert.ok(refusals.includes(bad.stream.error), `0x${suiteId.toString(16)} stream: ${bad.stream.error}`);
      assert.ok(bad.stream.released <= 4096, `released ${bad.stream.released}`);
    }
  });

  test(`${name}: signed messages verify both ways, hashed in the hash worker (streams, one-shot from 2 MiB) or, decrypting one-shot under 2 MiB, by WebCrypto ECDSA; a foreign signature is refused`, async () => {
    const wrappingKey = randomBytes(32);
    const { decrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const theirs = theirKeyring(wrappingKey);
    const posts = () => page.evaluate(() => window.hashPosts);
    const verifies = () => page.evaluate(() => window.ecdsaVerifies);
    for (const size of [0, 4096, 50_000, 3 << 20]) {
      const plaintext = randomBytes(size);
      const postsBefore = await posts();
      const made = await page.evaluate(([k, p, o]) => window.encryptBoth(k, p, o), [b64(wrappingKey), b64(plaintext), { suiteId: 0x0578, frameLength: 4096 }]);
      // Each batch is at most 1 MiB: the stream posts at least one, a large one-shot message more.
      assert.ok((await posts()) - postsBefore >= (size >= 2 << 20 ? 4 : 1), `the worker hashed (${(await posts()) - postsBefore} batches)`);
      const messages = [Buffer.from(made.oneShot, 'base64'), Buffer.from(made.stream, 'base64')];
      for (const message of messages) {
        assert.ok(Buffer.from((await decrypt(theirs, message)).plaintext).equals(plaintext), 'their SDK verifies our signature');
        const verifiesBefore = await verifies();
        const got = await page.evaluate(([k, m]) => window.decryptBoth(k, m, {}), [b64(wrappingKey), b64(message)]);
        assert.equal(got.oneShot.bytes, b64(plaintext));
        assert.equal(got.stream.bytes, b64(plaintext));
        assert.equal((await verifies()) - verifiesBefore, size < 2 << 20 ? 1 : 0, 'WebCrypto verified the small one-shot message only');
      }
      const forged = withFooterOf(...messages);
      const bad = await page.evaluate(([k, m]) => window.decryptBoth(k, m, {}), [b64(wrappingKey), b64(forged)]);
      assert.equal(bad.oneShot.error, 'SignatureError');
      assert.equal(bad.stream.error, 'SignatureError');
      assert.ok(bad.stream.released <= size - (size % 4096), 'the final frame is held back');
    }
    // A small one-shot message is hashed in wasm, with no round trip to the worker.
    const before = await posts();
    await page.evaluate(([k, p, o]) => window.oneShotEncrypt(k, p, o), [b64(wrappingKey), b64(randomBytes(100_000)), { suiteId: 0x0578 }]);
    assert.equal(await posts(), before);
    // An unsigned message is not hashed at all: its streams post nothing either.
    const plaintext = randomBytes(3 << 20);
    const unsigned = await page.evaluate(([k, p, o]) => window.encryptBoth(k, p, o), [b64(wrappingKey), b64(plaintext), { suiteId: 0x0478 }]);
    const back = await page.evaluate(([k, m]) => window.decryptBoth(k, m, {}), [b64(wrappingKey), unsigned.stream]);
    assert.equal(back.stream.bytes, b64(plaintext));
    assert.equal(await posts(), before, 'nothing posted for suite 0x0478');
  });

  test(`${name}: where no worker may start (CSP worker-src none), signed messages are hashed on the page thread (wasm; WebCrypto ECDSA for one-shot decryption) and still verify`, async () => {
    const restricted = await browser.newPage();
    try {
      await restricted.goto(`${server.url}no-workers.html`);
      await restricted.waitForFunction(() => window.ready === true);
      const wrappingKey = randomBytes(32);
      const plaintext = randomBytes(3 << 20);
      const made = await restricted.evaluate(([k, p, o]) => window.encryptBoth(k, p, o), [b64(wrappingKey), b64(plaintext), { suiteId: 0x0578 }]);
      const { decrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
      const theirs = theirKeyring(wrappingKey);
      for (const message of [made.oneShot, made.stream]) {
        assert.ok(Buffer.from((await decrypt(theirs, Buffer.from(message, 'base64'))).plaintext).equals(plaintext));
        const verifiesBefore = await restricted.evaluate(() => window.ecdsaVerifies);
        const got = await restricted.evaluate(([k, m]) => window.decryptBoth(k, m, {}), [b64(wrappingKey), message]);
        assert.equal(got.oneShot.bytes, b64(plaintext));
        assert.equal((await restricted.evaluate(() => window.ecdsaVerifies)) - verifiesBefore, 1, 'without a worker, WebCrypto verifies the one-shot message');
        assert.equal(got.stream.bytes, b64(plaintext));
      }
      assert.equal(await restricted.evaluate(() => window.hashPosts), 0, 'nothing was posted to a worker');
      const violations = await restricted.evaluate(() => window.cspViolations);
      assert.ok(violations.includes('worker-src'), `the CSP did refuse the worker: ${violations}`);
    } finally {
      await restricted.close();
    }
  });

  test(`${name}: a large unsigned one-shot result is written into a buffer the worker allocated and faulted in; a signed one (whose hash the worker runs) and a page without workers allocate on the page`, async () => {
    const wrappingKey = randomBytes(32);
    const plaintext = randomBytes((6 << 20) + 77);
    const { decrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const restricted = await browser.newPage();
    try {
      await restricted.goto(`${server.url}no-workers.html`);
      await restricted.waitForFunction(() => window.ready === true);
      for (const [where, on] of [['worker', page], ['no workers', restricted]]) {
        const got = await on.evaluate(([k, p]) => window.movedResults(k, p), [b64(wrappingKey), b64(plaintext)]);
        assert.equal(got.tooLarge, true, `${where}: an allocation the worker cannot make gives undefined`);
        for (const suiteId of [0x0478, 0x0578]) {
          const { encryptMoved, decryptMoved, plaintext: back, message } = got[suiteId];
          const expected = where === 'worker' && suiteId === 0x0478;
          assert.equal(encryptMoved, expected, `${where}, 0x${suiteId.toString(16)}: encrypt result moved`);
          assert.equal(decryptMoved, expected, `${where}, 0x${suiteId.toString(16)}: decrypt result moved`);
          assert.equal(back, b64(plaintext));
          assert.ok(Buffer.from((await decrypt(theirKeyring(wrappingKey), Buffer.from(message, 'base64'))).plaintext).equals(plaintext), 'their SDK reads the message');
        }
      }
    } finally {
      await restricted.close();
    }
  });
});

test('Chromium: a decryptStream whose reader read a chunk and went away (not cancelled) is reclaimed, wasm side and all', async () => {
  // Chromium keeps a stream whose pull waits on a read that never settles: a read-ahead of the
  // stand-in readable (cancellable) would keep each such stream for ever.
  const browser = await launchChromium(['--js-flags=--expose-gc']);
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}index.html`);
    await page.waitForFunction(() => window.ready === true);
    const n = 500;
    const reclaimed = await page.evaluate(([k, count]) => window.droppedAfterRead(k, count), [b64(randomBytes(32)), n]);
    assert.ok(reclaimed > n / 2, `${reclaimed} of ${n} reclaimed`);
  } finally {
    await browser.close();
  }
});
