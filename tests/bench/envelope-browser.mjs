// Runs the envelope benchmark in headless Chromium: bundles kms-wasm (pkg/) and
// @aws-crypto/client-browser into one page with esbuild and prints the page's table.
import { build } from 'esbuild';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../js/helpers.mjs';
import { launchChromium, serveStatic } from '../js/browser.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kms-bench-'));
const server = { close: async () => {} };
let browser;
try {
  await build({
    entryPoints: [repoPath('tests/bench/browser-entry.mjs')], bundle: true, format: 'esm', platform: 'browser', minify: true,
    outfile: join(dir, 'bench.js'), alias: { 'kms-wasm': repoPath('pkg/index.js') }, nodePaths: [repoPath('tests/node_modules')], logLevel: 'silent',
  });
  cpSync(repoPath('pkg/kms_wasm_bg.wasm'), join(dir, 'kms_wasm_bg.wasm'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="./bench.js"></script>');
  Object.assign(server, await serveStatic(dir));
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => typeof window.runBench === 'function');
  const lines = await page.evaluate(() => window.runBench());
  console.log(lines.join('\n'));
} finally {
  await browser?.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
