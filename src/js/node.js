// Entry for Node: read the .wasm from disk and instantiate it synchronously
// (the browser loader would try to fetch a file: URL, which Node's fetch refuses).
import { createCipheriv, createDecipheriv, createHash, createSecretKey } from 'node:crypto';
import { openSync, read, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { initSync, limitFetchesInFlight } from './kms_wasm.js';
import { markReady, useEnvCredentials, useExternalSha384, usePrefault, useSyncAesGcm } from './core.js';
import { fromFunction, fromWebIdentity } from './deploy.js';
import { KmsWasmError } from './errors.js';
import { helperWorker } from './hash-worker.js';

// A bundle made CommonJS (esbuild --format=cjs, as Lambda tooling bundles) has no import.meta.url:
// then the .wasm is beside the bundle. ncc copies it only when it sees this `new URL` whole.
const wasmPath = import.meta.url ? new URL('./kms_wasm_bg.wasm', import.meta.url) : join(__dirname, 'kms_wasm_bg.wasm');
markReady(initSync({ module: readFileSync(wasmPath) }));
// Node's fetch opens a connection for each request in flight: at most 50, as the AWS SDK's
// Node handler keeps 50 sockets (src/transport_fetch.rs says why only here).
limitFetchesInFlight(50);

// Signed suites hash the whole message, with OpenSSL's SHA-384 (several times faster than
// wasm's): in a worker thread for one-shot messages from 2 MiB, where it runs beside the main
// thread's share of the work (hash-worker.js), else on the main thread. Streams stay here:
// a worker thread's own heap adds about 17 MiB to a stream's peak memory.
const hashHere = () => {
  const h = createHash('sha384');
  return { update: (bytes) => void h.update(bytes), digest: () => new Uint8Array(h.digest()) };
};
// Evaluated as CommonJS or as a module depending on the package around it: import() works in both.
const HASH_THREAD = `(async () => {
  const { parentPort } = await import('node:worker_threads');
  const { createHash } = await import('node:crypto');
  const hashes = new Map();
  parentPort.on('message', (m) => {
    let h = hashes.get(m.id);
    if (m.buffer || m.parts) {
      if (!h) hashes.set(m.id, (h = createHash('sha384')));
      if (m.buffer) {
        h.update(new Uint8Array(m.buffer, 0, m.length));
        return parentPort.postMessage({ id: m.id, buffer: m.buffer, length: m.length }, [m.buffer]);
      }
      for (const part of m.parts) { // moved here by hash-worker.js's give(): freed here once hashed
        h.update(new Uint8Array(part));
        part.transfer?.(0);
      }
      return parentPort.postMessage({ id: m.id, length: m.length });
    }
    hashes.delete(m.id);
    if (m.end) parentPort.postMessage({ id: m.id, digest: new Uint8Array((h || createHash('sha384')).digest()) });
  });
})();`;
function hashThread({ message, failed }) {
  const worker = new Worker(HASH_THREAD, { eval: true });
  worker.on('message', message);
  worker.on('error', (e) => failed(`hash worker failed: ${e.message}`));
  // Ending without an error (terminated) must fail what waits on it too, not leave it pending.
  worker.on('exit', (code) => failed(`hash worker exited (${code})`));
  worker.unref(); // after the listener (which refs it): only replies still owed keep the process up
  return Promise.resolve({ post: (m, transfer) => worker.postMessage(m, transfer), busy: () => worker.ref(), idle: () => worker.unref(), moves: true });
}
const hashInThread = helperWorker(hashThread).sha384;
useExternalSha384(async (length) => (Number.isFinite(length) && (await hashInThread(length))) || hashHere());
// A large unsigned one-shot result's pages are faulted in by the threadpool rather than the main
// thread (core.js says why not a signed one's): a read from /dev/zero into the buffer there has
// the kernel fault each page in and zero it, with no other work. (`randomFill`, which writes into
// a buffer on every platform, also makes 64 MiB of random bytes: CPU the other threads need; on
// two cores, when signed results were prefaulted too, a 64 MiB 0x0578 encrypt ran at 347 MB/s
// with it and 405 with /dev/zero.) Without /dev/zero (Windows) this thread faults them itself.
let zeroFd; // opened at first use; null where there is none
usePrefault({
  fill(view) {
    if (zeroFd === undefined) {
      try {
        zeroFd = openSync('/dev/zero', 'r');
      } catch {
        zeroFd = null;
      }
    }
    if (zeroFd === null) return Promise.reject(new Error('no /dev/zero'));
    // A short read only leaves some pages to be faulted in by our own writes.
    return new Promise((resolve, reject) => read(zeroFd, view, 0, view.length, null, (e) => (e ? reject(e) : resolve())));
  },
});
// Frames are sealed and opened with OpenSSL's AES-GCM on this thread (core.js says why).
const GCM_BY_KEY_BYTES = { 16: 'aes-128-gcm', 24: 'aes-192-gcm', 32: 'aes-256-gcm' };
const TAG = 16;
const gcmOf = (key) => GCM_BY_KEY_BYTES[key.symmetricKeySize];
// What the caller gets is a Uint8Array as in every other runtime, not a Buffer (whose slice() is a view).
const plain = (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
useSyncAesGcm({
  key: (raw) => createSecretKey(raw), // a copy held natively
  seal(key, iv, aad, plaintext) {
    const cipher = createCipheriv(gcmOf(key), key, iv, { authTagLength: TAG }).setAAD(aad);
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    return [plain(ciphertext), plain(cipher.getAuthTag())];
  },
  open(key, iv, aad, body) {
    if (body.length < TAG) return null;
    const decipher = createDecipheriv(gcmOf(key), key, iv, { authTagLength: TAG }).setAAD(aad).setAuthTag(body.subarray(body.length - TAG));
    const plaintext = decipher.update(body.subarray(0, body.length - TAG));
    try {
      decipher.final(); // throws unless the tag verifies
      return plain(plaintext);
    } catch {
      plaintext.fill(0); // never released
      return null;
    }
  },
  pause: () => new Promise((resolve) => setImmediate(resolve)),
  // Each frame's output has an ArrayBuffer of its own; once a one-shot call copied it, it is
  // freed here rather than by V8's collector: 64 MiB of them per 64 MiB message otherwise
  // brought more major GCs, each marking the whole heap, the application's too (64 MiB 0x0578
  // in Node 24 beside client-node: encrypt 462 -> 585, decrypt 477 -> 550 MB/s). Node 20 has
  // no `transfer`: there the collector frees them.
  release(bytes) {
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) bytes.buffer.transfer?.(0);
  },
});
// KMS.fromEnv with no keys in the variables: what the SDK's default chain reads next from the
// environment. A web identity token file (EKS service accounts, CI runners): AssumeRoleWithWebIdentity
// with the token the file holds at each refresh (it is rotated in place). Else a container
// credentials endpoint (ECS tasks, EKS Pod Identity).
useEnvCredentials((env, options) => {
  if (env.AWS_ACCESS_KEY_ID) return undefined;
  return tokenFileCredentials(env, options) ?? containerCredentials(env);
});

function tokenFileCredentials(env, options) {
  const tokenFile = env.AWS_WEB_IDENTITY_TOKEN_FILE;
  if (!tokenFile || !env.AWS_ROLE_ARN) return undefined;
  const ignoreEndpoints = /^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '');
  const endpoint = ignoreEndpoints ? undefined : env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || undefined;
  return fromWebIdentity({
    roleArn: env.AWS_ROLE_ARN,
    roleSessionName: env.AWS_ROLE_SESSION_NAME || undefined,
    region: options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION),
    tokenProvider: () => readFile(tokenFile, 'utf8').then((token) => token.trim()),
    ...(endpoint ? { endpoint } : { useFipsEndpoint: /^true$/i.test(env.AWS_USE_FIPS_ENDPOINT ?? '') }),
  });
}

// The container credentials endpoint: ECS's at 169.254.170.2 (a relative URI), or a full URI,
// which must be https or reach the host itself, ECS or EKS Pod Identity's agent (as the SDK
// allows): credentials must not be fetched in the clear from elsewhere. Asked with the
// authorization token (its file read again each time) when one is set.
const CONTAINER_HOSTS = ['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost', '[::1]'];
const CONTAINER_TIMEOUT_MS = 5000;
function containerCredentials(env) {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (!relative && !full) return undefined;
  const variable = relative ? 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' : 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
  let url;
  try {
    url = new URL(relative ? `http://169.254.170.2${relative.startsWith('/') ? '' : '/'}${relative}` : full);
  } catch {}
  const allowed = url && (url.protocol === 'https:' || (url.protocol === 'http:' && (CONTAINER_HOSTS.includes(url.hostname) || /^127\./.test(url.hostname))));
  return fromFunction(async () => {
    if (!allowed) throw new KmsWasmError({ name: 'ConfigError', message: `${variable}: must be an https URL, or http to this host, ECS's or EKS Pod Identity's agent`, field: variable });
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const token = tokenFile ? (await readFile(tokenFile, 'utf8')).trim() : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    const res = await fetch(url, { headers: token ? { authorization: token } : {}, redirect: 'error', signal: AbortSignal.timeout(CONTAINER_TIMEOUT_MS) });
    if (!res.ok) throw new KmsWasmError({ name: 'CredentialsProviderError', message: `the container credentials endpoint ${url.origin} answered HTTP ${res.status}` });
    const c = await res.json().catch(() => ({}));
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token, expiration: c.Expiration };
  });
}
export * from './core.js';
export * from './deploy.js';
