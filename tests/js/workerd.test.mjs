// Runs tests/js/workerd/worker.js in workerd (`workerd test`) against kms-local, with the
// built package (pkg/) as its modules and kms-local's variables as env bindings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localEnv, repoPath, packageDir } from './helpers.mjs';

/** Writes a workerd config for `workerFile` with the package copied under ./kms-wasm/. */
export function workerdConfig(dir, workerFile, pkg, bindings, extraModules = []) {
  cpSync(workerFile, join(dir, 'worker.js'));
  cpSync(pkg, join(dir, 'kms-wasm'), { recursive: true });
  const pkgModules = readdirSync(join(dir, 'kms-wasm'))
    .filter((f) => f.endsWith('.js') || f.endsWith('.wasm'))
    .map((f) => f.endsWith('.wasm')
      ? `(name = "kms-wasm/${f}", wasm = embed "kms-wasm/${f}")`
      : `(name = "kms-wasm/${f}", esModule = embed "kms-wasm/${f}")`);
  const text = (s) => JSON.stringify(String(s));
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Loopback is "local" to workerd: allow it for the local KMS.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    ${[...pkgModules, ...extraModules].join(',\n    ')}
  ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
    ${Object.entries(bindings).map(([k, v]) => `(name = ${text(k)}, text = ${text(v)})`).join(',\n    ')}
  ],
);
`);
  return join(dir, 'config.capnp');
}

export function runWorkerdTest(config) {
  return spawnSync(repoPath('tests/node_modules/.bin/workerd'), ['test', config, '--verbose'], { encoding: 'utf8', timeout: 120_000 });
}

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
