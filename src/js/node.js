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
// credentials endpoint (ECS tasks, EKS Pod Identity). Variables are read trimmed, blank as unset,
// as the Rust side (and natively `Config::from_env`) reads them.
const envValue = (env, name) => (typeof env[name] === 'string' ? env[name].trim() : '') || undefined;
const envFlag = (env, name) => /^true$/i.test(envValue(env, name) ?? '');
useEnvCredentials((env, options) => {
  // Half a pair of keys is the wasm side's ConfigError to report, not a reason to look further.
  if (envValue(env, 'AWS_ACCESS_KEY_ID') || envValue(env, 'AWS_SECRET_ACCESS_KEY')) return undefined;
  return tokenFileCredentials(env, options) ?? containerCredentials(env);
});

const CHECK_PROVIDER = Symbol.for('kms-wasm.checkProvider');
// fromWebIdentity's options as the variables that set them here, for its errors.
const TOKEN_FILE_VARIABLES = { roleArn: 'AWS_ROLE_ARN', roleSessionName: 'AWS_ROLE_SESSION_NAME', region: 'AWS_REGION' };

function tokenFileCredentials(env, options) {
  const tokenFile = envValue(env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  const roleArn = envValue(env, 'AWS_ROLE_ARN');
  if (!tokenFile || !roleArn) return undefined;
  const endpointVariable = envFlag(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS') ? undefined : ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'].find((name) => envValue(env, name));
  const provider = fromWebIdentity({
    roleArn,
    roleSessionName: envValue(env, 'AWS_ROLE_SESSION_NAME'),
    region: options.region ?? envValue(env, 'AWS_REGION') ?? envValue(env, 'AWS_DEFAULT_REGION'),
    tokenProvider: () => readFile(tokenFile, 'utf8').then((token) => token.trim()),
    ...(endpointVariable ? { endpoint: envValue(env, endpointVariable) } : { useFipsEndpoint: options.useFipsEndpoint ?? envFlag(env, 'AWS_USE_FIPS_ENDPOINT') }),
  });
  const check = provider[CHECK_PROVIDER];
  provider[CHECK_PROVIDER] = () => {
    try {
      return check();
    } catch (e) {
      const variable = e?.field === 'endpoint' ? endpointVariable : TOKEN_FILE_VARIABLES[e?.field];
      if (variable) Object.assign(e, { field: variable, message: String(e.message).replace(`${e.field}:`, `${variable}:`) });
      throw e;
    }
  };
  return provider;
}

// The container credentials endpoint: ECS's at 169.254.170.2 (a relative URI), or a full URI,
// which must be https or reach the host itself (127.x.y.z, ::1), ECS's or EKS Pod Identity's
// agent, as the SDK allows: credentials must not be fetched in the clear from elsewhere. Asked
// with the authorization token (its file read again each time) when one is set; a passing
// failure is asked again, as the SDK does (3 tries, a second apart).
const CONTAINER_HOSTS = ['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost', '[::1]'];
const CONTAINER_TIMEOUT_MS = 5000;
const CONTAINER_TRIES = 3;
const CONTAINER_RETRY_DELAY_MS = 1000;
const containerError = (message, field) => new KmsWasmError({ name: field ? 'ConfigError' : 'CredentialsProviderError', message, field });
const passing = new WeakSet(); // container errors worth asking again

function containerCredentials(env) {
  const relative = envValue(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
  const full = envValue(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
  if (!relative && !full) return undefined;
  const variable = relative ? 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' : 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
  let url;
  try {
    url = new URL(relative ? `http://169.254.170.2${relative.startsWith('/') ? '' : '/'}${relative}` : full);
  } catch {}
  // The URL parser has made any IPv4 form canonical: four numbers.
  const allowed = url && !url.username && !url.password
    && (url.protocol === 'https:' || (url.protocol === 'http:' && (CONTAINER_HOSTS.includes(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname))));
  const fetchOnce = async () => {
    const tokenFile = envValue(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE');
    const tokenVariable = tokenFile ? 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE' : 'AWS_CONTAINER_AUTHORIZATION_TOKEN';
    const token = tokenFile ? (await readFile(tokenFile, 'utf8')).trim() : envValue(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN');
    // Never quoted: a header the fetch refuses would be.
    if (token && /[\0-\x1f\x7f]/.test(token)) throw containerError(`${tokenVariable}: the token holds a line break or another control character`, tokenVariable);
    let res;
    try {
      res = await fetch(url, { headers: token ? { authorization: token } : {}, redirect: 'error', signal: AbortSignal.timeout(CONTAINER_TIMEOUT_MS) });
    } catch (e) {
      const error = containerError(`cannot reach the container credentials endpoint ${url.origin}: ${e?.cause?.code ?? e?.name ?? 'fetch failed'}`);
      passing.add(error);
      throw error;
    }
    if (!res.ok) {
      const error = containerError(`the container credentials endpoint ${url.origin} answered HTTP ${res.status}`);
      if (res.status >= 500 || res.status === 429) passing.add(error);
      throw error;
    }
    const c = await res.json().catch(() => undefined);
    if (!['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'].every((name) => typeof c?.[name] === 'string')) {
      throw containerError(`the container credentials endpoint ${url.origin} answered without credentials (AccessKeyId, SecretAccessKey, Token and Expiration)`);
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token, expiration: c.Expiration };
  };
  return fromFunction(async () => {
    if (!allowed) throw containerError(`${variable}: must be an https URL, or http to this host, ECS's or EKS Pod Identity's agent (and carry no user name or password)`, variable);
    for (let tries = 1; ; tries++) {
      try {
        return await fetchOnce();
      } catch (e) {
        if (!passing.has(e) || tries >= CONTAINER_TRIES) throw e;
        await new Promise((resolve) => setTimeout(resolve, CONTAINER_RETRY_DELAY_MS));
      }
    }
  });
}
export * from './core.js';
export * from './deploy.js';
