// Runs the envelope benchmark in workerd: bundles kms-wasm (pkg/, its `workerd` entry) and
// @aws-crypto/client-browser into one Worker with esbuild, the way Workers bundle, and prints
// the Worker's table. (16 and 64 MiB: the Worker's clock ticks in whole milliseconds.)
import { build } from 'esbuild';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../js/helpers.mjs';
import { bundledWorkerConfig, runWorkerdTest } from '../js/workerd.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kms-bench-workerd-'));
try {
  await build({
    entryPoints: [repoPath('tests/bench/workerd-entry.mjs')], bundle: true, format: 'esm', platform: 'browser', minify: true,
    outfile: join(dir, 'worker.js'), alias: { 'kms-wasm': repoPath('pkg/workerd.js') }, conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'], external: ['*.wasm'], nodePaths: [repoPath('tests/node_modules')], logLevel: 'silent',
  });
  cpSync(repoPath('pkg/kms_wasm_bg.wasm'), join(dir, 'kms_wasm_bg.wasm'));
  const r = await runWorkerdTest(bundledWorkerConfig(dir).config);
  const table = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^(##|\||Ratio)/.test(l.trim()) || l.trim() === '');
  if (r.status !== 0) throw new Error(`workerd failed:\n${r.stdout}\n${r.stderr}`);
  console.log(table.join('\n').replace(/\n{3,}/g, '\n\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
