// The README's example commands work: pkg-scripts/example node | worker | browser --check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { repoPath } from './helpers.mjs';

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
