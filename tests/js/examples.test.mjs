// The README's example commands work: pkg-scripts/example node | worker | browser --check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoPath } from './helpers.mjs';

const run = (...args) => spawnSync(repoPath('pkg-scripts/example'), args, { encoding: 'utf8', timeout: 180_000 });

test('examples/node encrypts and decrypts a file', () => {
  const r = run('node');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /decrypted: same bytes/);
});

test('examples/worker serves encrypt and decrypt endpoints in workerd and refuses a tampered body', () => {
  const r = run('worker');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /POST \/decrypt → 200: a request body to protect/);
  assert.match(r.stdout, /POST \/decrypt \(tampered\) → 400: .*"error":"(SignatureError|AuthenticationError)"/);
});

test('examples/browser works in headless Chromium', () => {
  const r = run('browser', '--check');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /decrypted: hello from the browser/);
});
