// Runs Workers from tests/js/workerd/ in workerd (`workerd test`) with the built package (pkg/)
// as their modules: KMS calls against kms-local (its variables as env bindings), and signed
// messages exchanged with @aws-crypto/client-node through a server of this test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import * as esdk from '@aws-crypto/client-node';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localEnv, localServer, repoPath, packageDir } from './helpers.mjs';
import { workerdConfig, runWorkerdTest } from './workerd.mjs';

/** kms-local's settings as a Worker's env bindings. */
function kmsLocalBindings() {
  const { AWS_REGION, AWS_ENDPOINT_URL_KMS, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = localEnv();
  return { AWS_REGION, AWS_ENDPOINT_URL_KMS, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY };
}

test('the package runs in workerd against the local KMS (KMS calls, typed errors, a redirect not followed)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-workerd-'));
  const reached = [];
  const elsewhere = await localServer((req, res) => {
    reached.push(req.method);
    res.end('{}');
  });
  let posts = 0;
  // The Worker's key id says which redirect to answer with.
  const redirecting = await localServer((req, res) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      posts++;
      res.writeHead(Number(JSON.parse(Buffer.concat(parts)).KeyId), { location: `${elsewhere.url}/` }).end();
    });
  });
  try {
    const config = workerdConfig(dir, repoPath('tests/js/workerd/worker.js'), packageDir(), { ...kmsLocalBindings(), REDIRECT_ENDPOINT: redirecting.url });
    const r = await runWorkerdTest(config);
    const output = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, output);
    assert.match(output, /KMS round trips passed/);
    assert.equal(posts, 2, 'each redirected call was sent once');
    assert.deepEqual(reached, [], 'nothing reached the other origin');
  } finally {
    await Promise.all([redirecting.close(), elsewhere.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('workerd: signed messages are hashed with crypto.DigestStream and interoperate with @aws-crypto/client-node both ways', async () => {
  const wrappingKey = randomBytes(32);
  const names = { keyName: 'workerd-key', keyNamespace: 'workerd-test' };
  const keyring = new esdk.RawAesKeyringNode({ ...names, unencryptedMasterKey: Uint8Array.from(wrappingKey), wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
  const { encrypt, decrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const size = 3 * 1024 * 1024 + 17;
  const plaintext = Buffer.alloc(size);
  for (let i = 0; i < size; i++) plaintext[i] = (i * 31 + 7) & 255; // as the Worker builds it
  const theirs = (await encrypt(keyring, plaintext)).result;

  const received = {};
  const server = await localServer((req, res) => {
    if (req.method === 'GET' && req.url === '/theirs') return res.end(theirs);
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      received[req.url.slice(1)] = Buffer.concat(parts);
      res.end();
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-workerd-'));
  try {
    const config = workerdConfig(dir, repoPath('tests/js/workerd/signed-worker.js'), packageDir(), {
      WRAPPING_KEY: wrappingKey.toString('base64'), SIZE: size, SINK: server.url,
      KEY_NAME: names.keyName, KEY_NAMESPACE: names.keyNamespace,
    });
    const r = await runWorkerdTest(config);
    const output = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, output);
    assert.match(output, /signed messages passed/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(Object.keys(received).sort(), ['one-shot', 'stream']);
  for (const [how, message] of Object.entries(received)) {
    assert.equal(message.readUInt16BE(1), 0x0578, `${how}: the default suite`);
    const { plaintext: opened, messageHeader } = await decrypt(keyring, message);
    assert.ok(opened.equals(plaintext), `${how}: client-node decrypts the Worker's message`);
    assert.equal(messageHeader.suiteId, 0x0578);
  }
});

/** Serves `workerFile` with `workerd serve` on a free 127.0.0.1 port: `{ url, log(), close() }`. */
async function serveWorker(workerFile, bindings) {
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-workerd-'));
  const config = workerdConfig(dir, workerFile, packageDir(), bindings);
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  writeFileSync(config, readFileSync(config, 'utf8').replace('127.0.0.1:0', `127.0.0.1:${port}`));
  const workerd = spawn(repoPath('tests/node_modules/.bin/workerd'), ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  workerd.stderr.setEncoding('utf8').on('data', (d) => (log += d));
  const close = () => {
    workerd.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/`;
  // Ready once it takes a connection: a bare connect, so the Worker itself runs nothing yet.
  for (let i = 0; ; i++) {
    try {
      await new Promise((resolve, reject) => connect(port, '127.0.0.1').on('connect', function () { this.destroy(); resolve(); }).on('error', reject));
      break;
    } catch (e) {
      if (i > 100) {
        close();
        throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, log: () => log, close };
}

/** `n` requests at once to `url`: how many got each answer. */
async function answersAtOnce(url, n) {
  const answers = await Promise.all(Array.from({ length: n }, () => fetch(url, { signal: AbortSignal.timeout(60_000) }).then(async (r) => `${r.status} ${await r.text()}`, (e) => `failed: ${e.message}`)));
  const counts = {};
  for (const a of answers) counts[a] = (counts[a] ?? 0) + 1;
  return counts;
}

test('workerd: 120 requests at once, each with a KMS call through one client kept across requests, all answer (no call waits on a promise of another request, which workerd cancels)', { timeout: 120_000 }, async () => {
  const worker = await serveWorker(repoPath('tests/js/workerd/concurrent-worker.js'), kmsLocalBindings());
  try {
    assert.deepEqual(await answersAtOnce(worker.url, 120), { '200 ok 16': 120 }, worker.log().slice(0, 2000));
    assert.doesNotMatch(worker.log(), /hung|different request context/);
  } finally {
    worker.close();
  }
});

test('workerd: requests arriving while a shared client\'s async credentials function runs for another request all answer (each fetches its own rather than waiting on another request)', { timeout: 120_000 }, async () => {
  let fetches = 0;
  const slowCredentials = await localServer((req, res) => {
    fetches++;
    setTimeout(() => res.end('ok'), 300);
  });
  const worker = await serveWorker(repoPath('tests/js/workerd/credentials-worker.js'), { ...kmsLocalBindings(), CREDENTIALS_URL: slowCredentials.url });
  try {
    assert.deepEqual(await answersAtOnce(worker.url, 30), { '200 ok 16': 30 }, worker.log().slice(0, 2000));
    assert.doesNotMatch(worker.log(), /hung|different request context/);
    assert.ok(fetches >= 1);
    assert.equal((await answersAtOnce(worker.url, 5))['200 ok 16'], 5);
    const after = fetches;
    await answersAtOnce(worker.url, 5);
    assert.equal(fetches, after, 'fetched credentials are cached');
  } finally {
    worker.close();
    await slowCredentials.close();
  }
});
