// Cold start in headless Chromium: a page that holds one library (an esbuild bundle, served from
// 127.0.0.1, so the network costs nothing) loads in a fresh browser context (no HTTP or code
// cache) and encrypts and decrypts 1 KiB with a raw AES keyring, suite 0x0578. Measured from
// the navigation's start to the round trip's end; medians of RUNS loads, the libraries taking
// turns. What the network adds for each is its download size (size.mjs).
import { build } from 'esbuild';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../js/helpers.mjs';
import { launchChromium, serveStatic } from '../js/browser.mjs';

const RUNS = 11;
// Each page sets window.done = { evaluated, finished } (ms since navigation start).
const PAGES = {
  'kms-wasm': `import { encrypt, decrypt, RawAesKeyring } from 'kms-wasm';
    const evaluated = performance.now();
    const keyring = new RawAesKeyring({ keyName: 'k', keyNamespace: 'bench', wrappingKey: new Uint8Array(32).fill(9) });
    const { result } = await encrypt(keyring, new Uint8Array(1024).fill(7), { encryptionContext: { purpose: 'bench' } });
    const { plaintext } = await decrypt(keyring, result);
    window.done = { evaluated, finished: performance.now(), ok: plaintext.length === 1024 };`,
  '@aws-crypto/client-browser': `import { clientBrowser } from ${JSON.stringify(repoPath('tests/bench/client-browser-anchor.mjs'))};
    const evaluated = performance.now();
    const keyring = clientBrowser.keyring(new Uint8Array(32).fill(9));
    const { result } = await clientBrowser.encrypt(keyring, new Uint8Array(1024).fill(7), { suiteId: 0x0578 });
    const { plaintext } = await clientBrowser.decrypt(keyring, result);
    window.done = { evaluated, finished: performance.now(), ok: plaintext.length === 1024 };`,
};

const dir = mkdtempSync(join(tmpdir(), 'kms-cold-'));
const server = { close: async () => {} };
let browser;
try {
  const names = Object.keys(PAGES);
  for (const [i, name] of names.entries()) {
    const entry = join(dir, `entry${i}.mjs`);
    writeFileSync(entry, PAGES[name]);
    await build({
      entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', minify: true, outfile: join(dir, `page${i}.js`),
      alias: { 'kms-wasm': repoPath('pkg/index.js') }, nodePaths: [repoPath('tests/node_modules')], logLevel: 'silent',
    });
    writeFileSync(join(dir, `page${i}.html`), `<!doctype html><script type="module" src="./page${i}.js"></script>`);
  }
  cpSync(repoPath('pkg/kms_wasm_bg.wasm'), join(dir, 'kms_wasm_bg.wasm'));
  Object.assign(server, await serveStatic(dir));
  browser = await launchChromium();
  const times = names.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, name] of names.entries()) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}page${i}.html`);
      const done = await (await page.waitForFunction(() => window.done, undefined, { timeout: 30_000 })).jsonValue();
      if (!done.ok) throw new Error(`${name}: the round trip failed`);
      times[i].push(done);
      await context.close();
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const rows = names.map((name, i) => ({ name, evaluated: median(times[i].map((t) => t.evaluated)), finished: median(times[i].map((t) => t.finished)) }));
  console.log(`\n## Cold start in headless Chromium: page load to a first 1 KiB 0x0578 round trip (raw AES keyring), medians of ${RUNS} fresh contexts, ms\n`);
  console.log('| library | script evaluated | round trip done | kms-wasm time ÷ this |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.evaluated.toFixed(1)} | ${r.finished.toFixed(1)} | ${(rows[0].finished / r.finished).toFixed(2)} |`);
} finally {
  await browser?.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
