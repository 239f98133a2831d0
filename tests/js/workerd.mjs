// workerd helpers shared by the workerd and package tests.
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from './helpers.mjs';

/** Writes a workerd config for `workerFile` with the package copied under ./kms-wasm/. */
export function workerdConfig(dir, workerFile, pkg, bindings, extraModules = []) {
  cpSync(workerFile, join(dir, 'worker.js'));
  cpSync(pkg, join(dir, 'kms-wasm'), { recursive: true });
  const pkgModules = readdirSync(join(dir, 'kms-wasm'))
    .filter((f) => f.endsWith('.js') || f.endsWith('.wasm'))
    .map((f) => f.endsWith('.wasm')
      ? `(name = "kms-wasm/${f}", wasm = embed "kms-wasm/${f}")`
      : `(name = "kms-wasm/${f}", esModule = embed "kms-wasm/${f}")`);
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
  bindings = [${textBindings(bindings)}],
);
`);
  return join(dir, 'config.capnp');
}

/**
 * Writes a workerd config for a bundled Worker, as wrangler or esbuild leave one in `dir`:
 * `worker.js` and the .wasm module it imports from beside it. Gives the config's path and the
 * .wasm's file name.
 */
export function bundledWorkerConfig(dir, bindings = {}) {
  const wasm = readFileSync(join(dir, 'worker.js'), 'utf8').match(/from\s*"\.\/([^"]*\.wasm)"/)[1];
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker), (name = "internet", network = (allow = ["public", "private", "local"]))],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js"), (name = ${text(wasm)}, wasm = embed ${text(wasm)})],
  compatibilityDate = "2025-09-01",
  bindings = [${textBindings(bindings)}],
);
`);
  return { config: join(dir, 'config.capnp'), wasm };
}

const text = (s) => JSON.stringify(String(s));
const textBindings = (bindings) => Object.entries(bindings).map(([k, v]) => `(name = ${text(k)}, text = ${text(v)})`).join(', ');

/** Runs `workerd test` on `config`; resolves to its exit status and output. Asynchronous, so the
 * calling test can serve what the Worker fetches meanwhile. */
export function runWorkerdTest(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(repoPath('tests/node_modules/.bin/workerd'), ['test', config, '--verbose'], { timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

