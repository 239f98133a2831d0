// Bundles worker.js as Wrangler would (workerd export condition, the .wasm as a module), serves it
// with workerd on 127.0.0.1, sends one encrypt and one decrypt request, a tampered body, and the
// good body to a second copy of the Worker whose KMS endpoint is down; then stops workerd.
// Usage (from pkg-scripts/example worker): node examples/worker/run.mjs <dir with node_modules/kms-wasm>
import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const work = process.argv[2];
// A path, not a URL's pathname: that keeps %20 for a space in the checkout's path.
const root = fileURLToPath(new URL('../../', import.meta.url));
// esbuild comes from the repository's dev packages (tests/node_modules).
const { build } = await import(join(root, 'tests/node_modules/esbuild/lib/main.js'));
await build({
  entryPoints: [join(root, 'examples/worker/worker.js')], bundle: true, format: 'esm', platform: 'neutral', outfile: join(work, 'worker.js'),
  conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['*.wasm'], nodePaths: [join(work, 'node_modules')], logLevel: 'error',
});
copyFileSync(join(root, 'pkg/kms_wasm_bg.wasm'), join(work, 'kms_wasm_bg.wasm'));
const freePort = () => new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const [port, offlinePort, closedPort] = [await freePort(), await freePort(), await freePort()];
const bindings = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_KMS', 'KEY_ARN'];
const text = (s) => JSON.stringify(String(s));
const worker = (env) => `(
  modules = [(name = "worker.js", esModule = embed "worker.js"), (name = "kms_wasm_bg.wasm", wasm = embed "kms_wasm_bg.wasm")],
  compatibilityDate = "2025-09-01",
  bindings = [${bindings.map((k) => `(name = ${text(k)}, text = ${text(env[k])})`).join(', ')}],
)`;
writeFileSync(join(work, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker), (name = "offline", worker = .offline), (name = "internet", network = (allow = ["public", "private", "local"]))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main"), (name = "offline", address = "127.0.0.1:${offlinePort}", http = (), service = "offline")],
);
const worker :Workerd.Worker = ${worker(process.env)};
const offline :Workerd.Worker = ${worker({ ...process.env, AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${closedPort}` })};
`);
const workerd = spawn(join(root, 'tests/node_modules/.bin/workerd'), ['serve', join(work, 'config.capnp')], { stdio: 'inherit' });
try {
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await fetch(url); break; } catch (e) { if (i > 100) throw e; await new Promise((r) => setTimeout(r, 100)); }
  }
  console.log(`Worker at ${url} (key ${process.env.KEY_ARN})`);
  const message = 'a request body to protect';
  const enc = await fetch(`${url}/encrypt`, { method: 'POST', body: message });
  const blob = new Uint8Array(await enc.arrayBuffer());
  console.log(`POST /encrypt → ${enc.status}, ${blob.length} bytes in the Encryption SDK format`);
  const dec = await fetch(`${url}/decrypt`, { method: 'POST', body: blob });
  console.log(`POST /decrypt → ${dec.status}: ${await dec.text()}`);
  blob[blob.length - 1] ^= 1;
  const bad = await fetch(`${url}/decrypt`, { method: 'POST', body: blob });
  console.log(`POST /decrypt (tampered) → ${bad.status}: ${await bad.text()}`);
  blob[blob.length - 1] ^= 1;
  const down = await fetch(`http://127.0.0.1:${offlinePort}/decrypt`, { method: 'POST', body: blob });
  console.log(`POST /decrypt (KMS unreachable) → ${down.status}: ${await down.text()}`);
} finally {
  workerd.kill();
}
