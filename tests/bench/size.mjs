// Download size of kms-wasm next to the anchors, all built in this run with esbuild
// (minified, ESM, browser platform) and gzipped at level 9.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../js/helpers.mjs';

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
// The table is in KiB. The anchor figures (52 and 117 KB for the SDK bundles, measured
// here as 52.3 and 117.7 kB) read as kB of 1000 bytes, so the budget line gives both.
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const BUDGET_KB = 250;

async function bundleSize(name, source) {
  const dir = mkdtempSync(join(tmpdir(), 'kms-size-'));
  try {
    writeFileSync(join(dir, 'entry.mjs'), source);
    const out = join(dir, 'out.js');
    await build({
      entryPoints: [join(dir, 'entry.mjs')], bundle: true, minify: true, format: 'esm', platform: 'browser',
      outfile: out, nodePaths: [repoPath('tests/node_modules')], logLevel: 'silent', loader: { '.wasm': 'file' },
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const js = readFileSync(out);
    return { name, js: gz(js), total: gz(js) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `reqwestPkg`: the same crate built with reqwest's wasm backend (an experiment); `floorPkg`:
 * the size floor (`pkg-scripts/build --example size-floor`), the required crates alone.
 */
export async function sizes({ reqwestPkg, floorPkg } = {}) {
  const pkg = repoPath('pkg');
  const wasm = readFileSync(join(pkg, 'kms_wasm_bg.wasm'));
  const oursGlue = await bundleSize('kms-wasm JS glue', `export * from ${JSON.stringify(join(pkg, 'index.js'))};`);
  const ours = { name: 'kms-wasm (wasm + JS, everything)', wasm: gz(wasm), js: oursGlue.js, total: gz(wasm) + oursGlue.js };
  const rows = [ours];
  if (reqwestPkg && existsSync(join(reqwestPkg, 'kms_wasm_bg.wasm'))) {
    const w = gz(readFileSync(join(reqwestPkg, 'kms_wasm_bg.wasm')));
    rows.push({ name: 'kms-wasm built with reqwest on wasm (experiment)', wasm: w, js: oursGlue.js, total: w + oursGlue.js });
  }
  const sdk = await bundleSize('@aws-sdk/client-kms (Encrypt, Decrypt, GenerateDataKey)',
    `import { KMSClient, EncryptCommand, DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
     export { KMSClient, EncryptCommand, DecryptCommand, GenerateDataKeyCommand };`);
  const a4f = await bundleSize('aws4fetch', `export { AwsClient } from 'aws4fetch';`);
  const combo = await bundleSize('@aws-sdk/client-kms + @aws-crypto/client-browser (KMS keyring)',
    `import { KMSClient, EncryptCommand, DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
     import { buildClient, CommitmentPolicy, KmsKeyringBrowser } from '@aws-crypto/client-browser';
     export { KMSClient, EncryptCommand, DecryptCommand, GenerateDataKeyCommand, buildClient, CommitmentPolicy, KmsKeyringBrowser };`);
  rows.push(sdk, a4f, combo);
  let floor;
  if (floorPkg && existsSync(join(floorPkg, 'kms_wasm_bg.wasm'))) {
    const glue = await bundleSize('floor glue', `export * from ${JSON.stringify(join(floorPkg, 'kms_wasm.js'))};`);
    const w = gz(readFileSync(join(floorPkg, 'kms_wasm_bg.wasm')));
    floor = { name: 'size floor: the required crates alone (aws-sigv4, AES-GCM, HKDF, SHA-2, P-384, serde_json, base64, one fetch), none of our code', wasm: w, js: glue.js, total: w + glue.js };
    rows.push(floor);
  }
  console.log('\n## Download size (gzip -9; esbuild --minify for JS)\n');
  console.log('| what | wasm | JS | total | ours ÷ this |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.wasm ? kb(r.wasm) : '–'} | ${kb(r.js)} | ${kb(r.total)} | ${(ours.total / r.total).toFixed(2)} |`);
  }
  const against = (unit, name) => `${(ours.total / unit).toFixed(1)} ${name} (${ours.total <= BUDGET_KB * unit ? 'within' : 'over'} ${BUDGET_KB} ${name})`;
  console.log(`\nkms-wasm in all: ${ours.total} bytes = ${against(1024, 'KiB')} = ${against(1000, 'kB')}; the pair: ${combo.total} bytes = ${(combo.total / 1000).toFixed(1)} kB.`);
  if (floor) console.log(`The required crates alone: ${floor.total} bytes, ${(floor.total / combo.total * 100).toFixed(0)}% of the pair: ${combo.total - floor.total} bytes would be left for all of our own code.`);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await sizes({ reqwestPkg: process.argv[2], floorPkg: process.argv[3] });
}
