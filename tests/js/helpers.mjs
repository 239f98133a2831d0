// Shared by the JS tests: repository paths, the kms-local variables, the package under test.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const repoPath = (p) => join(repoRoot, p);

/**
 * An HTTP server on 127.0.0.1 at a free port answering with `handler(req, res)`: resolves to
 * `{ url, close }`, `url` without a trailing slash. `close` also cuts the connections still open,
 * so a server that never answers cannot hold the test up.
 */
export async function localServer(handler) {
  const server = createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(r);
  });
  return { url: `http://127.0.0.1:${server.address().port}`, close };
}

/** How often `needle` (bytes or text) occurs in a wasm instance's memory: 0 once it is wiped. */
export function copiesInMemory(memory, needle) {
  const heap = Buffer.from(memory.buffer);
  let n = 0;
  for (let at = heap.indexOf(needle); at !== -1; at = heap.indexOf(needle, at + 1)) n++;
  return n;
}

/** Variables of the running kms-local (KMS_LOCAL_ENV or .kms-local/env). */
export function localEnv() {
  const file = process.env.KMS_LOCAL_ENV ?? repoPath('.kms-local/env');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`kms-local is not running (${file} missing): run pkg-scripts/kms-local start or pkg-scripts/test`);
  }
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The package directory under test: KMS_WASM_PKG (an installed copy) or the built pkg/. */
export function packageDir() {
  return process.env.KMS_WASM_PKG ?? repoPath('pkg');
}

/** Imports the package's Node entry. */
export async function importPackage() {
  return import(join(packageDir(), 'node.js'));
}

/** Length of a signed message's footer: u16 length ‖ DER signature (0x30, length, …). */
export function footerLength(message) {
  message = Buffer.from(message.buffer, message.byteOffset, message.length);
  for (let n = 2 + 8; n <= 2 + 104; n++) {
    const at = message.length - n;
    if (message.readUInt16BE(at) === n - 2 && message[at + 2] === 0x30 && message[at + 3] === n - 4) return n;
  }
  throw new Error('no footer found');
}

/** Signed message `a` with the footer of `b`: every frame of `a` verifies, the signature does not. */
export function withFooterOf(a, b) {
  return Buffer.concat([a.subarray(0, a.length - footerLength(a)), b.subarray(b.length - footerLength(b))]);
}

/** `bytes` as a ReadableStream of `size`-byte chunks (views, not copies). */
export function chunkStream(bytes, size) {
  return new ReadableStream({
    start(c) {
      for (let at = 0; at < bytes.length; at += size) c.enqueue(bytes.subarray(at, at + size));
      c.close();
    },
  });
}

/** The AES-GCM paths of the package's envelope in Node: its entry's, browsers' and workerd's, none. */
export const AES_PATHS = ['node:crypto', 'WebCrypto', 'wasm'];

/**
 * The package's AES-GCM paths in Node: `cipher` is what its entry installed (node:crypto);
 * `on(path, fn)` runs `fn` with the envelope on one of AES_PATHS and restores the entry's after.
 */
export function aesPaths(ours) {
  const cipher = ours.useSyncAesGcm(undefined);
  ours.useSyncAesGcm(cipher);
  return {
    cipher,
    async on(path, fn) {
      if (path === 'WebCrypto') ours.useSyncAesGcm(undefined);
      if (path === 'wasm') ours.useWebCrypto(false);
      try {
        return await fn();
      } finally {
        ours.useSyncAesGcm(cipher);
        ours.useWebCrypto(true);
      }
    },
  };
}

/** V8's `gc()`, made callable in this process (as `--expose-gc` would), for tests of what is reclaimed. */
export function exposedGc() {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

/**
 * Runs tsc over `files` of `dir` with a tsconfig (`config`, written there) of strict options:
 * target es2022, the dom lib, no ambient @types, declarations checked, and `compilerOptions` over
 * them. Returns the spawn's result.
 */
export function typecheck(dir, files, compilerOptions = {}, config = 'tsconfig.json') {
  writeFileSync(join(dir, config), JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', lib: ['es2022', 'dom'], skipLibCheck: false, types: [], ...compilerOptions }, files }));
  return spawnSync(repoPath('tests/node_modules/.bin/tsc'), ['-p', join(dir, config)], { encoding: 'utf8' });
}

/**
 * Runs the venv's aws-encryption-cli with `args` against the local KMS whose variables `kms`
 * holds (no session token, profile or config file of the machine's); resolves to { stdout, stderr }.
 */
export function encryptionCli(args, kms = localEnv()) {
  const env = { ...process.env, AWS_ENDPOINT_URL_KMS: kms.AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL: kms.AWS_ENDPOINT_URL_KMS, AWS_ACCESS_KEY_ID: kms.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: kms.AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION: kms.AWS_REGION, AWS_REGION: kms.AWS_REGION, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  return promisify(execFile)(repoPath('.venv/bin/aws-encryption-cli'), args, { env });
}
