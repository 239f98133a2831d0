// Runs the envelope benchmark in workerd: bundles kms-wasm (pkg/, its `workerd` entry) and
// @aws-crypto/client-browser into one Worker with esbuild, the way Workers bundle, and prints
// the Worker's table. (Sizes up to 32 MiB: a Worker's request body is at most 100 MB.)
import { build } from 'esbuild';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../js/helpers.mjs';
import { runWorkerdTest } from '../js/workerd.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kms-bench-workerd-'));
try {
  await build({
    entryPoints: [repoPath('tests/bench/workerd-entry.mjs')], bundle: true, format: 'esm', platform: 'browser', minify: true,
    outfile: join(dir, 'worker.js'), alias: { 'kms-wasm': repoPath('pkg/workerd.js') }, conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'], external: ['*.wasm'], nodePaths: [repoPath('tests/node_modules')], logLevel: 'silent',
  });
  const wasmImport = readFileSync(join(dir, 'worker.js'), 'utf8').match(/from\s*"([^"]*kms_wasm_bg\.wasm)"/)[1];
  cpSync(repoPath('pkg/kms_wasm_bg.wasm'), join(dir, 'kms_wasm_bg.wasm'));
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "main", worker = .worker)]);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = ${JSON.stringify(wasmImport.replace(/^\.\//, ''))}, wasm = embed "kms_wasm_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
`);
  const r = await runWorkerdTest(join(dir, 'config.capnp'));
  const table = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^(##|\||Ratio)/.test(l.trim()) || l.trim() === '');
  if (r.status !== 0) throw new Error(`workerd failed:\n${r.stdout}\n${r.stderr}`);
  console.log(table.join('\n').replace(/\n{3,}/g, '\n\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
