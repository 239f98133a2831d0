// The README's example commands work: pkg-scripts/example node | worker | browser --check, and
// the command-line walk-through of pkg-scripts/demo --cli.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { localEnv, repoPath } from './helpers.mjs';

/**
 * Runs `pkg-scripts/example …` in a process group of its own; resolves to { status, stdout,
 * stderr }. After 180 s the whole group is killed: the script's children (node, workerd,
 * Chromium, kms-local) too, not only the script.
 */
function run(...args) {
  return new Promise((resolve) => {
    const child = spawn(repoPath('pkg-scripts/example'), args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 180_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

test('examples/node encrypts and decrypts a file', async () => {
  const r = await run('node');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /decrypted: same bytes/);
});

test('examples/worker serves encrypt and decrypt endpoints in workerd, refuses a tampered body, and answers 502 when KMS is unreachable', async () => {
  const r = await run('worker');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /POST \/decrypt → 200: a request body to protect/);
  assert.match(r.stdout, /POST \/decrypt \(tampered\) → 400: .*"error":"(SignatureError|AuthenticationError)"/);
  assert.match(r.stdout, /POST \/decrypt \(KMS unreachable\) → 502: .*"error":"NetworkError"/);
});

test('examples/browser works in headless Chromium', async () => {
  const r = await run('browser', '--check');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /decrypted: hello from the browser/);
});

test('the browser example\'s server gives its config.json (credentials from the environment) only under its own host names', async () => {
  const { spawn } = await import('node:child_process');
  const { request } = await import('node:http');
  const server = spawn(process.execPath, [repoPath('examples/browser/serve.mjs')], { env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      server.stdout.on('data', (d) => { const m = /Example page: (\S+)/.exec(String(d)); if (m) resolve(new URL(m[1])); });
      server.on('exit', () => reject(new Error('the server exited')));
    });
    const get = (host) => new Promise((resolve, reject) => {
      request({ host: url.hostname, port: url.port, path: '/config.json', headers: { host } }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject).end();
    });
    const own = await get(url.host);
    assert.equal(own.status, 200);
    assert.match(own.body, /example-secret/);
    const rebound = await get('attacker.example');
    assert.equal(rebound.status, 421, 'a DNS-rebinding page gets nothing');
    assert.doesNotMatch(rebound.body, /example-secret/);
  } finally {
    server.kill();
  }
});

test('kms-local: an env file left by a killed server is stale; start and stop never signal the process it names if that is something else, and status says so', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-stale-'));
  const bystander = spawn('sleep', ['60']); // a process that got the dead server's pid
  try {
    const envFile = join(dir, 'env');
    writeFileSync(envFile, `AWS_REGION=us-east-1\nKMS_LOCAL_PID=${bystander.pid}\n`);
    const kmsLocal = (...args) => spawnSync(repoPath('pkg-scripts/kms-local'), [...args, '--env-file', envFile], { encoding: 'utf8' });
    assert.equal(kmsLocal('status').status, 1, 'not running');
    assert.equal(kmsLocal('stop').status, 0);
    assert.equal(existsSync(envFile), false, 'the stale file is gone');
    writeFileSync(envFile, `KMS_LOCAL_PID=${bystander.pid}\n`);
    const started = kmsLocal('start');
    assert.equal(started.status, 0, started.stderr);
    assert.match(kmsLocal('status').stdout, /^running \(pid \d+\)/);
    const stopping = Date.now();
    assert.equal(kmsLocal('stop').status, 0);
    assert.ok(Date.now() - stopping < 4000, `stopped in ${Date.now() - stopping} ms (the runner reaps moto itself)`);
    assert.equal(bystander.exitCode, null, 'the bystander was never signalled');
    assert.equal(bystander.signalCode, null);
  } finally {
    bystander.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pkg-scripts/demo --cli: its walk-through (demo-node.mjs) creates a key and alias, round-trips a message and shows the wrong context refused', () => {
  const r = spawnSync(process.execPath, [repoPath('pkg-scripts/demo-node.mjs')], { env: { ...process.env, ...localEnv() }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /"Hello from kms-wasm!" \(key arn:aws:kms:/);
  assert.match(r.stdout, /refused: InvalidCiphertextException/);
  assert.match(r.stdout, /audit: Decrypt 200/);
});
