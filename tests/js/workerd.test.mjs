// Runs tests/js/workerd/worker.js in workerd (`workerd test`) against kms-local, with the
// built package (pkg/) as its modules and kms-local's variables as env bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localEnv, repoPath, packageDir } from './helpers.mjs';
import { workerdConfig, runWorkerdTest } from './workerd.mjs';

test('the package runs in workerd against the local KMS (KMS calls, typed errors)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-workerd-'));
  try {
    const env = localEnv();
    const config = workerdConfig(dir, repoPath('tests/js/workerd/worker.js'), packageDir(), {
      AWS_REGION: env.AWS_REGION,
      AWS_ENDPOINT_URL_KMS: env.AWS_ENDPOINT_URL_KMS,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
    });
    const r = runWorkerdTest(config);
    const output = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, output);
    assert.match(output, /KMS round trips passed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
