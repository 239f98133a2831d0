// pkg-scripts/demo itself, the README's first command: it refuses a bad --port before any work,
// serves the page with its local KMS, refuses a second demo from the same checkout while one
// runs, and stops its KMS when it is stopped. (The page is tested in demo.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repoPath } from './helpers.mjs';

const demo = repoPath('pkg-scripts/demo');
const demoEnv = repoPath('.kms-local/demo.env');
const kmsStatus = () => spawnSync(repoPath('pkg-scripts/kms-local'), ['status', '--env-file', demoEnv], { encoding: 'utf8' });

test('pkg-scripts/demo refuses a --port that is not a number from 0 to 65535, at once', () => {
  for (const port of ['abc', '70000', '-1', '']) {
    const started = Date.now();
    const r = spawnSync(demo, ['--port', port], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, `${port}: ${r.stderr}`);
    assert.match(r.stderr, /--port needs a number from 0 to 65535/);
    assert.ok(Date.now() - started < 5000, 'before setup and the build');
  }
});

test('pkg-scripts/demo serves the page with its local KMS, refuses a second demo from this checkout, and stops its KMS when stopped', { timeout: 300_000 }, async () => {
  assert.ok(kmsStatus().status !== 0, `a demo already runs from this checkout (${demoEnv}): stop it before the tests`);
  const child = spawn(demo, ['--port', '0'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "Demo page:" line after 240 s:\n${out}`)), 240_000);
      const look = () => {
        const m = /Demo page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
      exited.then(() => reject(new Error(`the demo exited before serving:\n${out}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    assert.equal(kmsStatus().status, 0, 'its local KMS runs');
    const second = spawnSync(demo, [], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, /a demo is already running from this checkout/);
    assert.equal((await fetch(url)).status, 200, 'the first demo still serves');
    process.kill(-child.pid, 'SIGTERM');
    assert.deepEqual(await exited, { code: 143, signal: null });
    assert.notEqual(kmsStatus().status, 0, 'its local KMS stopped with it');
    assert.ok(!existsSync(demoEnv) || kmsStatus().status !== 0);
    await assert.rejects(fetch(url), 'the page is no longer served');
  } finally {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    spawnSync(repoPath('pkg-scripts/kms-local'), ['stop', '--env-file', demoEnv]);
  }
});
