// The web demo (www/ served by pkg-scripts/demo-server.mjs) in headless Chromium, against
// kms-local with signatures checked: key creation, 5 MiB round trip with aws-encryption-cli
// in between, tampered / foreign files, disabled key, wrong credentials, unreachable KMS,
// phone width, and a 300 MiB file encrypted with the page's JS heap + wasm memory sampled;
// then the main round trip (and a tampered file) once more in Firefox ESR.
// Screenshots of each state go to test-output/demo/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { encryptionCli as encryptionCliAgainst, repoPath, importPackage } from './helpers.mjs';
import { launchFirefox, watchPage } from './browser.mjs';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const MiB = 1024 * 1024;
const SHOTS = repoPath('test-output/demo');
const BIG_MIB = Number(process.env.DEMO_TEST_BIG_MIB ?? 300);
const MEMORY_LIMIT = 150 * MiB;

let kmsEnvFile;
let startedKms = false;
let server;
let baseUrl;
let browser;
let page;
let tmp;
let kmsEnv;
let downloads = 0;

function readEnvFile(file) {
  return execFileSync('cat', [file], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('='))
    .reduce((o, l) => ({ ...o, [l.slice(0, l.indexOf('='))]: l.slice(l.indexOf('=') + 1) }), {});
}

before(async () => {
  // A kms-local of its own, as `pkg-scripts/demo` has: the key list then shows this test's keys,
  // not the hundreds the other suites created on a shared one.
  kmsEnvFile = repoPath('.kms-local/demo-test.env');
  execFileSync(repoPath('pkg-scripts/kms-local'), ['start', '--env-file', kmsEnvFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  startedKms = true;
  kmsEnv = readEnvFile(kmsEnvFile);
  server = spawn(process.execPath, [repoPath('pkg-scripts/demo-server.mjs'), '--kms-env', kmsEnvFile, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /^Demo page: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`demo server exited (${code}) before printing its address`)));
  });
  rmSync(SHOTS, { recursive: true, force: true }); // this run's screenshots only
  mkdirSync(SHOTS, { recursive: true });
  tmp = await mkdtemp(join(tmpdir(), 'kms-wasm-demo-'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  page.on('download', () => downloads++);
  await page.addInitScript(watchPage);
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  if (startedKms) execFileSync(repoPath('pkg-scripts/kms-local'), ['stop', '--env-file', kmsEnvFile], { stdio: 'ignore' });
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const shot = (name, fullPage = true) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
const lastCard = () => page.locator('.file-card').last();

async function clearFiles() {
  await page.evaluate(() => document.querySelectorAll('.file-card .remove').forEach((b) => b.click()));
}

/** Adds a file through the input, runs its action; resolves to the card's final state and the download, if any. */
async function runFile(path, { expectDownload = true, timeout = 60_000 } = {}) {
  await page.setInputFiles('#file-input', path);
  const card = lastCard();
  await card.locator('.run:not([disabled])').waitFor({ timeout: 10_000 });
  const before = downloads;
  const downloadPromise = expectDownload ? page.waitForEvent('download', { timeout }) : null;
  await card.locator('.run').click();
  await page.waitForFunction((el) => ['done', 'error', 'cancelled'].includes(el.dataset.state), await card.elementHandle(), { timeout });
  const stateName = await card.getAttribute('data-state');
  const download = downloadPromise ? await downloadPromise : null;
  if (!expectDownload) {
    await page.waitForTimeout(300);
    assert.equal(downloads, before, 'nothing may be downloaded');
  }
  return { card, state: stateName, download, message: await card.locator('.message').textContent() };
}

const encryptionCli = (args) => encryptionCliAgainst(args, kmsEnv);

let keyArn;
let encryptedPath;

test('the demo server answers only its own host names, and forwards only signed KMS posts', async () => {
  const { request } = await import('node:http');
  const get = (path, headers = {}, method = 'GET') => new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    // The raw path (not URL-normalized), so traversal attempts reach the server as written.
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(await get('/demo-config.json'), 200);
  assert.equal(await get('/demo-config.json', { host: 'attacker.example' }), 421, 'DNS rebinding gets nothing');
  assert.equal(await get('/pkg/kms_wasm_bg.wasm'), 200);
  assert.equal(await get('/pkg/../Cargo.toml'), 404);
  assert.equal(await get('/pkg/..%2fCargo.toml'), 404);
  assert.equal(await get('/%2e%2e/Cargo.toml'), 404);
  assert.equal(await get('/', {}, 'PUT'), 405);
  // A KMS call without a valid signature is refused by kms-local, not by the forwarder.
  const status = await get('/', { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1', authorization: 'AWS4-HMAC-SHA256 Credential=AKIAXXXXXXXXXXXXXXXX/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00' }, 'POST');
  assert.ok(status >= 400, `unsigned KMS call refused (${status})`);
  for (const port of ['abc', '99999', '-1']) {
    const run = spawnSync(process.execPath, [repoPath('pkg-scripts/demo-server.mjs'), '--kms-env', kmsEnvFile, '--port', port], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 2, `--port ${port}: ${run.stderr}`);
    assert.match(run.stderr, /^demo-server: .*--port/);
  }
});

test('the page connects with the demo server settings and creates a key', async () => {
  await page.goto(baseUrl);
  await page.waitForFunction(() => document.body.dataset.connected === 'true', null, { timeout: 30_000 });
  assert.match(await page.locator('#endpoint').inputValue(), /^http:\/\/127\.0\.0\.1:\d+\/$/);
  // Credentials stay in memory unless "remember" is ticked; never in localStorage.
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  // Every field has a label.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button')]
    .filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && !e.textContent.trim()).map((e) => e.outerHTML));
  assert.deepEqual(unlabelled, []);
  await shot('01-connected');
  const alias = `demo-test-${Date.now()}`;
  await page.fill('#new-alias', alias);
  await page.click('#create-key');
  await page.waitForFunction(() => /Created/.test(document.querySelector('#keys-status').textContent), null, { timeout: 20_000 });
  keyArn = await page.evaluate(() => window.kmsDemo.state.selectedArn);
  assert.match(keyArn, /^arn:aws:kms:[^:]+:\d+:key\//);
  assert.equal(await page.locator(`#key-table input[value="${keyArn}"]`).isChecked(), true);
  const log = await page.locator('#audit-table tbody').textContent();
  for (const op of ['ListAliases', 'ListKeys', 'CreateKey', 'CreateAlias']) assert.ok(log.includes(op), `activity log lists ${op}`);
  await shot('02-key-created');
});

test('a key whose alias KMS refuses is scheduled for deletion, not left behind usable', async () => {
  const taken = await page.evaluate(() => [...window.kmsDemo.state.aliases.values()].flat().find((a) => a.startsWith('alias/demo-test-')));
  assert.ok(taken, 'the alias created above');
  await page.fill('#new-alias', taken.slice('alias/'.length));
  await page.click('#create-key');
  await page.waitForFunction(() => /already exists/.test(document.querySelector('#keys-status').textContent), null, { timeout: 20_000 });
  const scheduled = await page.locator('#audit-table tbody tr', { hasText: 'ScheduleKeyDeletion' }).first().locator('td').nth(2).getAttribute('title');
  assert.match(scheduled ?? '', /^[0-9a-f-]{36}$|^arn:/, 'the page scheduled the new key for deletion');
  const kms = new (await importPackage()).KMS({ region: kmsEnv.AWS_REGION, endpoint: kmsEnv.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: kmsEnv.AWS_ACCESS_KEY_ID, secretAccessKey: kmsEnv.AWS_SECRET_ACCESS_KEY } });
  assert.equal((await kms.describeKey({ KeyId: scheduled })).KeyMetadata.KeyState, 'PendingDeletion');
});

test('5 MiB: encrypt in the page (only ciphertext and KMS calls leave it), aws-encryption-cli decrypts it, the page decrypts it back', async () => {
  const plain = randomBytes(5 * MiB);
  const plainPath = join(tmp, 'random-5MiB.bin');
  await writeFile(plainPath, plain);
  // Everything the page (its workers too) sends while it encrypts.
  const sent = [];
  const record = (request) => sent.push({ url: request.url(), body: request.postDataBuffer() ?? Buffer.alloc(0) });
  page.context().on('request', record);
  const enc = await runFile(plainPath);
  page.context().off('request', record);
  assert.equal(enc.state, 'done', enc.message);
  assert.ok(sent.some(({ body }) => body.includes('"NumberOfBytes"')), 'the GenerateDataKey request was seen');
  for (const { url, body } of sent) {
    assert.equal(new URL(url).origin, new URL(baseUrl).origin, `${url}: only to the page's own origin (which forwards KMS calls)`);
    assert.ok(body.length < 4096, `${url}: a ${body.length}-byte body`);
    for (let at = 0; at < plain.length; at += MiB) assert.ok(!body.includes(plain.subarray(at, at + 32)), `${url}: carries plaintext`);
  }
  assert.equal(enc.download.suggestedFilename(), 'random-5MiB.bin.encrypted');
  encryptedPath = join(tmp, 'random-5MiB.bin.encrypted');
  await enc.download.saveAs(encryptedPath);
  const ciphertext = await readFile(encryptedPath);
  assert.equal(ciphertext[0], 0x02, 'message format v2');
  assert.ok(ciphertext.length > plain.length);
  const header = await enc.card.locator('.header-info').textContent();
  assert.ok(header.includes(keyArn) && header.includes('file = random-5MiB.bin'), header);
  await shot('03-encrypted');

  const cliOut = join(tmp, 'cli-decrypted.bin');
  await encryptionCli(['--decrypt', '--input', encryptedPath, '--output', cliOut, '--wrapping-keys', `key=${keyArn}`,
    '--commitment-policy', 'require-encrypt-require-decrypt', '--encryption-context', 'file=random-5MiB.bin', '-S']);
  assert.ok(plain.equals(await readFile(cliOut)), 'aws-encryption-cli decrypts to the same bytes');

  await clearFiles();
  const dec = await runFile(encryptedPath);
  assert.equal(dec.state, 'done', dec.message);
  assert.equal(dec.download.suggestedFilename(), 'random-5MiB.bin');
  const back = join(tmp, 'page-decrypted.bin');
  await dec.download.saveAs(back);
  assert.ok(plain.equals(await readFile(back)), 'the page decrypts to the same bytes');
  const shown = await dec.card.locator('.header-info').textContent();
  for (const part of ['0x0578', keyArn, 'file = random-5MiB.bin', '65536 bytes']) assert.ok(shown.includes(part), `header shows ${part}`);
  const log = await page.locator('#audit-table tbody').textContent();
  assert.ok(log.includes('GenerateDataKey') && log.includes('Decrypt'));
  assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'the CSP refused nothing');
  assert.equal(await page.evaluate(() => window.workerDigests), 2, 'the signed file was hashed in the worker, encrypting and decrypting');
  await shot('04-decrypted');
  await clearFiles();
});

test('a tampered file shows the error and downloads nothing', async () => {
  const bytes = Buffer.from(await readFile(encryptedPath));
  bytes[Math.floor(bytes.length / 2)] ^= 0x01; // a byte inside a frame body
  const tampered = join(tmp, 'tampered', 'random-5MiB.bin.encrypted');
  mkdirSync(join(tmp, 'tampered'));
  await writeFile(tampered, bytes);
  const r = await runFile(tampered, { expectDownload: false });
  assert.equal(r.state, 'error');
  assert.match(r.message, /tampered/);
  assert.equal(await r.card.locator('.download').isHidden(), true);
  await shot('05-tampered');
  await clearFiles();

  const notEncrypted = join(tmp, 'notes.txt.encrypted');
  await writeFile(notEncrypted, 'just some text, not a message\n');
  const r2 = await runFile(notEncrypted, { expectDownload: false });
  assert.equal(r2.state, 'error');
  assert.match(r2.message, /not an encrypted file/);
  await shot('06-not-encrypted');
  await clearFiles();

  // A file from someone else naming more data keys than the page lets one file ask KMS about
  // (each could be a billed Decrypt call): refused at its header.
  const { RawAesKeyring, MultiKeyring, encrypt } = await importPackage();
  const rawAes = (i) => new RawAesKeyring({ keyName: `k${i}`, keyNamespace: 'demo-test', wrappingKey: randomBytes(32) });
  const manyKeys = await encrypt(new MultiKeyring({ generator: rawAes(0), children: Array.from({ length: 10 }, (_, i) => rawAes(i + 1)) }), 'eleven keys');
  const manyPath = join(tmp, 'many-keys.txt.encrypted');
  await writeFile(manyPath, manyKeys.result);
  const r3 = await runFile(manyPath, { expectDownload: false });
  assert.equal(r3.state, 'error');
  assert.match(r3.message, /safety limit.*11 encrypted data keys|safety limit/);
  assert.match(r3.message, /\.$/);
  await clearFiles();

  // A file changed on disk after it was chosen: it cannot be read, and the page says so (Chromium
  // itself says only "network error").
  const changing = join(tmp, 'changed-after-choosing.txt');
  await writeFile(changing, 'version 1\n');
  await page.setInputFiles('#file-input', changing);
  await lastCard().locator('.run:not([disabled])').waitFor({ timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 1100)); // a modification time a second later
  await writeFile(changing, 'version 2, longer\n');
  await lastCard().locator('.run').click();
  await page.waitForFunction((el) => ['done', 'error'].includes(el.dataset.state), await lastCard().elementHandle(), { timeout: 20_000 });
  assert.match(await lastCard().locator('.message').textContent(), /could not be read: it was changed, moved or removed/);
  await clearFiles();
});

test('with "only the connected account" ticked and no account known yet, the page refuses to decrypt rather than decrypt unfiltered', async () => {
  const known = await page.evaluate(() => { const a = [...window.kmsDemo.state.accounts]; window.kmsDemo.state.accounts.clear(); return a; });
  try {
    const r = await runFile(encryptedPath, { expectDownload: false });
    assert.equal(r.state, 'error');
    assert.match(r.message, /account to limit decryption to is unknown/);
  } finally {
    await page.evaluate((a) => a.forEach((id) => window.kmsDemo.state.accounts.add(id)), known);
    await clearFiles();
  }
});

async function findKeyRow(keyId) {
  const row = page.locator(`#key-table tr[data-key-id="${keyId}"]`);
  // Keys come a page at a time (paginateListKeys): load more until the row shows.
  for (let i = 0; i < 50 && !(await row.count()); i++) {
    const more = page.locator('#more-keys');
    if (await more.isHidden()) break;
    await page.click('#more-keys');
    await page.waitForFunction(() => !document.querySelector('#more-keys').disabled, null, { timeout: 20_000 });
  }
  return row;
}

/** Refreshes the page's key list and waits until it is listed anew (not on the last listing's status). */
async function refreshKeys() {
  await page.evaluate(() => { document.querySelector('#keys-status').textContent = ''; });
  await page.click('#refresh-keys');
  await page.waitForFunction(() => /listed/.test(document.querySelector('#keys-status').textContent), null, { timeout: 20_000 });
}

test('disabled and pending-deletion keys are marked and cannot be chosen', async () => {
  const { KMS } = await importPackage();
  const kms = KMS.fromEnv(kmsEnv);
  // By KeyId: moto answers 500 to DisableKey/ScheduleKeyDeletion given an ARN.
  const disabled = (await kms.createKey({ Description: 'demo test: disabled' })).KeyMetadata.KeyId;
  await kms.disableKey({ KeyId: disabled });
  const pending = (await kms.createKey({ Description: 'demo test: pending deletion' })).KeyMetadata.KeyId;
  await kms.scheduleKeyDeletion({ KeyId: pending, PendingWindowInDays: 7 });
  await refreshKeys();
  for (const [keyId, keyState, text] of [[disabled, 'Disabled', /Disabled/], [pending, 'PendingDeletion', /Pending deletion/]]) {
    const row = await findKeyRow(keyId);
    assert.equal(await row.count(), 1, `${keyState} key listed`);
    assert.equal(await row.getAttribute('data-state'), keyState);
    assert.match(await row.textContent(), text);
    assert.equal(await row.locator('input[type=radio]').isDisabled(), true);
  }
  await page.locator(`#key-table tr[data-key-id="${disabled}"]`).scrollIntoViewIfNeeded();
  await shot('07-disabled-and-pending-keys');
  // The refreshed list keeps the chosen key.
  assert.equal(await page.locator(`#key-table input[value="${keyArn}"]`).isChecked(), true);
});

test('a chosen key disabled meanwhile is no longer chosen after a refresh: no encrypt is offered with it', async () => {
  const { KMS } = await importPackage();
  const kms = KMS.fromEnv(kmsEnv);
  const { KeyId, Arn } = (await kms.createKey({ Description: 'demo test: disabled while chosen' })).KeyMetadata;
  await refreshKeys();
  await page.locator(`#key-table input[value="${Arn}"]`).check();
  await page.setInputFiles('#file-input', { name: 'chosen-key.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
  await lastCard().locator('.run:not([disabled])').waitFor({ timeout: 10_000 });
  await kms.disableKey({ KeyId });
  await refreshKeys();
  const radio = page.locator(`#key-table input[value="${Arn}"]`);
  assert.deepEqual([await radio.isDisabled(), await radio.isChecked()], [true, false], 'the disabled key is marked and not chosen');
  assert.equal(await lastCard().locator('.run').isDisabled(), true, 'Encrypt is not offered');
  assert.match(await lastCard().locator('.run').getAttribute('title'), /Choose a key/);
  await clearFiles();
  await page.locator(`#key-table input[value="${keyArn}"]`).check();
});

test('explain(): KMS refusals moto does not produce read as a person would understand them (errors built as the keyring words them)', async () => {
  // moto neither enforces key state nor key policies, so these go through the page's mapping
  // directly; the keyring's wording is pinned by fixture_disabled_key_and_access_denied_on_decrypt.
  const cases = await page.evaluate(async () => {
    const { explain } = await import('/app.js');
    const err = (name, message = '') => Object.assign(new Error(message), { name });
    return {
      disabledEncrypt: explain(err('DisabledException', 'key is disabled'), 'encrypt'),
      disabledDecrypt: explain(err('NoUsableKeyError', 'no encrypted data key could be decrypted with KMS: arn:aws:kms:us-east-1:1:key/x: DisabledException: disabled'), 'decrypt'),
      pending: explain(err('KMSInvalidStateException', 'pending deletion'), 'encrypt'),
      deniedDecrypt: explain(err('NoUsableKeyError', 'no encrypted data key could be decrypted with KMS: arn:aws:kms:us-east-1:1:key/x: AccessDeniedException: no'), 'decrypt'),
      foreignKey: explain(err('NoUsableKeyError', 'none of the 1 encrypted data keys is for a KMS key this keyring may use'), 'decrypt'),
      network: explain(err('NetworkError', 'fetch failed'), 'kms'),
      throttled: explain(err('ThrottlingException', 'Rate exceeded'), 'encrypt'),
      fileGone: explain(err('FileReadError', 'TypeError: network error'), 'decrypt'),
      unmapped: explain(err('SomeNewException', 'what KMS said'), 'encrypt'),
    };
  });
  assert.match(cases.throttled, /request quota.*try again/);
  assert.match(cases.fileGone, /could not be read.*Choose it again/);
  assert.equal(cases.unmapped, 'SomeNewException: what KMS said.', 'a sentence of its own, ended');
  assert.match(cases.disabledEncrypt, /disabled/);
  assert.match(cases.disabledDecrypt, /disabled/);
  assert.match(cases.pending, /pending deletion/);
  assert.match(cases.deniedDecrypt, /key you may not use/);
  assert.match(cases.foreignKey, /key you may not use/);
  assert.match(cases.network, /unreachable/);
});

test('wrong credentials and an unreachable KMS read as such', async () => {
  const secret = await page.locator('#secretAccessKey').inputValue();
  const endpoint = await page.locator('#endpoint').inputValue();
  await page.fill('#secretAccessKey', 'not-the-secret');
  await page.click('#connect');
  await page.waitForFunction(() => document.querySelector('#connection-status').dataset.kind === 'error', null, { timeout: 30_000 });
  assert.match(await page.locator('#connection-status').textContent(), /credentials/);
  // Not connected now: nothing that needs KMS is offered, and the key list is not left "listing".
  assert.equal(await page.locator('#create-key').isDisabled(), true);
  assert.equal(await page.locator('#refresh-keys').isDisabled(), true);
  assert.notEqual(await page.locator('#keys-status').getAttribute('data-kind'), 'busy');
  await page.setInputFiles('#file-input', { name: 'offline.txt', mimeType: 'text/plain', buffer: Buffer.from('x') });
  // The card's action is set once the page has looked at the file: wait for that.
  await lastCard().locator('.run[title="Connect first"]').waitFor({ timeout: 10_000 });
  assert.equal(await lastCard().locator('.run').isDisabled(), true);
  await clearFiles();
  await shot('08-wrong-credentials');
  await page.fill('#secretAccessKey', secret);
  // An unreachable KMS reads as such (AWS endpoints of other partitions: the page's CSP allows
  // them, and there is no internet here); one the page's Content-Security-Policy refuses (any
  // host but AWS's and the page's own) says so, rather than "unreachable".
  for (const [url, expected, refused] of [['https://kms.cn-north-1.amazonaws.com.cn/', /unreachable/, false], ['https://kms.eu-west-1.api.aws/', /unreachable/, false],
    ['http://127.0.0.1:2/', /Content-Security-Policy does not allow connecting to http:\/\/127\.0\.0\.1:2\b/, true]]) {
    const before = (await page.evaluate(() => window.cspViolations)).length;
    await page.fill('#endpoint', url);
    await page.click('#connect');
    await page.waitForFunction(() => document.querySelector('#connection-status').dataset.kind === 'error', null, { timeout: 60_000 });
    assert.match(await page.locator('#connection-status').textContent(), expected, url);
    assert.equal((await page.evaluate(() => window.cspViolations.splice(0))).length > before, refused, `refused by the CSP: ${url}`);
    if (!refused) await shot('09-kms-unreachable');
  }
  await page.fill('#endpoint', endpoint);
  await page.click('#connect');
  await page.waitForFunction(() => document.querySelector('#connection-status').dataset.kind === 'ok', null, { timeout: 30_000 });
  await page.locator(`#key-table input[value="${keyArn}"]`).check();
  // A refresh that fails (KMS gone for a moment) keeps the keys listed and the one chosen.
  const rows = await page.locator('#key-table tbody tr').count();
  await page.route('**/*', (route) => (route.request().method() === 'POST' ? route.abort() : route.continue()));
  await page.click('#refresh-keys');
  await page.waitForFunction(() => document.querySelector('#keys-status').dataset.kind === 'error', null, { timeout: 60_000 });
  await page.unroute('**/*');
  assert.match(await page.locator('#keys-status').textContent(), /keys listed before are shown/);
  assert.equal(await page.locator('#key-table tbody tr').count(), rows);
  assert.equal(await page.locator(`#key-table input[value="${keyArn}"]`).isChecked(), true);
});

test('"remember" keeps the settings in sessionStorage only, from the moment it is ticked, and unticking forgets them', async () => {
  // Ticked while connected (the page connected at once): kept without connecting again.
  await page.check('#remember');
  const stored = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: localStorage.length }));
  assert.deepEqual(stored, { session: ['kms-wasm-demo:connection'], local: 0 });
  assert.equal(JSON.parse(await page.evaluate(() => sessionStorage.getItem('kms-wasm-demo:connection'))).accessKeyId, kmsEnv.AWS_ACCESS_KEY_ID);
  await page.click('#connect');
  await page.waitForFunction(() => document.querySelector('#connection-status').dataset.kind === 'ok', null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => Object.keys(sessionStorage).join()), 'kms-wasm-demo:connection');
  await page.uncheck('#remember');
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
  await page.locator(`#key-table input[value="${keyArn}"]`).check();
});

test(`a ${BIG_MIB} MiB file encrypts and decrypts with JS heap + wasm memory under 150 MiB`, { timeout: 200_000 }, async () => {
  const bigPath = join(tmp, `big-${BIG_MIB}MiB.bin`);
  {
    // Stream-written: random 1 MiB blocks, each slightly varied.
    const out = createWriteStream(bigPath);
    const block = randomBytes(MiB);
    for (let i = 0; i < BIG_MIB; i++) {
      block.writeUInt32LE(i, 0);
      if (!out.write(Buffer.from(block))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');

  /** Runs one file with the page's memory sampled through the DevTools protocol. */
  async function measured(path, what) {
    await cdp.send('HeapProfiler.collectGarbage');
    const samples = [];
    let sampling = true;
    const sample = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      const jsHeap = metrics.find((m) => m.name === 'JSHeapUsedSize').value;
      const usage = await cdp.send('Runtime.getHeapUsage');
      const wasm = await page.evaluate(() => window.kmsDemo.wasmMemoryBytes());
      samples.push({ jsHeap, wasm, backing: usage.backingStorageSize ?? 0 });
    };
    const sampler = (async () => {
      while (sampling) {
        await sample().catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const started = Date.now();
    const r = await runFile(path, { timeout: 180_000 });
    const secs = (Date.now() - started) / 1000;
    sampling = false;
    await sampler;
    await sample();
    assert.equal(r.state, 'done', r.message);
    const peak = (k) => Math.max(...samples.map(k));
    const peakSum = peak((s) => s.jsHeap + s.wasm);
    const peakAll = peak((s) => s.jsHeap + s.wasm + s.backing);
    const report = {
      samples: samples.length,
      seconds: secs.toFixed(1),
      MBps: (BIG_MIB * MiB / 1e6 / secs).toFixed(1),
      peakJsHeapMiB: (peak((s) => s.jsHeap) / MiB).toFixed(1),
      peakWasmMiB: (peak((s) => s.wasm) / MiB).toFixed(1),
      peakJsHeapPlusWasmMiB: (peakSum / MiB).toFixed(1),
      peakArrayBufferBackingMiB: (peak((s) => s.backing) / MiB).toFixed(1),
      peakAllMiB: (peakAll / MiB).toFixed(1),
      pageMessage: r.message,
    };
    console.log(`# demo big file ${what}: ${JSON.stringify(report)}`);
    assert.ok(samples.length >= 3, `memory was sampled during ${what}`);
    assert.ok(peakSum < MEMORY_LIMIT, `${what}: JS heap + wasm memory peaked at ${(peakSum / MiB).toFixed(1)} MiB`);
    // ArrayBuffer backing stores outside the V8 heap (stream chunks not yet collected) lag behind GC;
    // bounded, and far from the file's size.
    assert.ok(peakAll < 256 * MiB, `${what}: JS heap + wasm + ArrayBuffer backing stores peaked at ${(peakAll / MiB).toFixed(1)} MiB`);
    return r;
  }

  const sha256 = async (file) => {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(file)) h.update(chunk);
    return h.digest('hex');
  };
  const enc = await measured(bigPath, 'encrypt');
  await shot('10-big-file');
  const bigCipher = join(tmp, 'big', `big-${BIG_MIB}MiB.bin.encrypted`);
  mkdirSync(join(tmp, 'big'));
  await enc.download.saveAs(bigCipher);
  await enc.download.delete();
  assert.ok((await stat(bigCipher)).size > BIG_MIB * MiB);
  await clearFiles();
  const dec = await measured(bigCipher, 'decrypt');
  assert.equal(dec.download.suggestedFilename(), `big-${BIG_MIB}MiB.bin`);
  assert.equal(await sha256(await dec.download.path()), await sha256(bigPath), 'decrypts to the same bytes');
  await dec.download.delete();
  await rm(bigCipher);
  await clearFiles();

  // Cancel part-way: the card says so and nothing is downloaded (needs a file big enough to catch it running).
  if (BIG_MIB >= 100) {
    await page.setInputFiles('#file-input', bigPath);
    const card = lastCard();
    await card.locator('.run:not([disabled])').waitFor();
    const downloadsBefore = downloads;
    // Clicked from inside the page: at ~150 MB/s a round trip per click could miss the window.
    const cancelledAt = await card.evaluate((el) => new Promise((resolve) => {
      // With WebCrypto a 300 MiB file takes well under a second: cancel as soon as the
      // job is running (the click handler sets the state synchronously or on the next tick).
      const poll = () => {
        const state = el.dataset.state;
        if (state === 'running') {
          el.querySelector('.cancel').click();
          resolve(el.querySelector('progress').value);
        } else if (state === 'done' || state === 'error') resolve(100);
        else setTimeout(poll, 0);
      };
      el.querySelector('.run').click();
      poll();
    }));
    assert.ok(cancelledAt < 100, `cancelled at ${cancelledAt}%`);
    await page.waitForFunction((el) => el.dataset.state !== 'running', await card.elementHandle(), { timeout: 30_000 });
    assert.equal(await card.getAttribute('data-state'), 'cancelled', await card.locator('.message').textContent());
    assert.match(await card.locator('.message').textContent(), /Cancelled/);
    await page.waitForTimeout(300);
    assert.equal(downloads, downloadsBefore);
    await shot('11-cancelled');
  }
  await rm(bigPath);
  await clearFiles();
});

test('several files at once: "Run all" encrypts each in turn', async () => {
  const names = ['one.txt', 'two.txt', 'three.txt'];
  await clearFiles(); // whatever an earlier test left behind
  await page.setInputFiles('#file-input', names.map((name) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(`contents of ${name}`) })));
  await page.locator('#run-all:not([disabled])').waitFor();
  assert.equal(await page.locator('.file-card').count(), 3);
  const got = [];
  const onDownload = (d) => got.push(d.suggestedFilename());
  page.on('download', onDownload);
  await page.click('#run-all');
  await page.waitForFunction(() => /3 of 3 files done/.test(document.querySelector('#run-all-status').textContent), null, { timeout: 30_000 });
  await page.waitForTimeout(200);
  page.off('download', onDownload);
  assert.deepEqual(got.sort(), names.map((n) => `${n}.encrypted`).sort());
  await shot('12-run-all');
  await clearFiles();
  // Clicked again while it runs, or a file's own button pressed meanwhile: each file once.
  const more = ['four.bin', 'five.bin', 'six.bin'];
  await page.setInputFiles('#file-input', more.map((name) => ({ name, mimeType: 'application/octet-stream', buffer: randomBytes(3 * MiB) })));
  await page.locator('#run-all:not([disabled])').waitFor();
  const again = [];
  const onAgain = (d) => again.push(d.suggestedFilename());
  page.on('download', onAgain);
  // In one go, so that the third file's own button is pressed while Run all is on the first
  // (a click by coordinates could land after Run all finished that file, and rightly run it again).
  const disabledWhileRunning = await page.evaluate(() => {
    document.querySelector('#run-all').click();
    const disabled = document.querySelector('#run-all').getAttribute('aria-disabled') === 'true';
    document.querySelectorAll('.file-card')[2].querySelector('.run').click();
    document.querySelector('#run-all').click(); // as a second click would, disabled or not
    return disabled;
  });
  assert.equal(disabledWhileRunning, true, 'Run all is disabled while it runs');
  await page.waitForFunction(() => /3 of 3 files done/.test(document.querySelector('#run-all-status').textContent), null, { timeout: 60_000 });
  await page.waitForTimeout(300);
  page.off('download', onAgain);
  assert.deepEqual(again.sort(), more.map((n) => `${n}.encrypted`).sort(), 'one download per file');
  await clearFiles();
  // By keyboard: Run all keeps the focus while it runs (it only looks disabled), then hands it
  // to its status once nothing is left to run.
  await page.setInputFiles('#file-input', ['k1.txt', 'k2.txt'].map((name) => ({ name, mimeType: 'text/plain', buffer: randomBytes(2 * MiB) })));
  await page.locator('#run-all:not([disabled])').waitFor();
  await page.focus('#run-all');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'run-all', 'focus kept while it runs');
  await page.waitForFunction(() => /2 of 2 files done/.test(document.querySelector('#run-all-status').textContent), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'run-all-status', 'then on what it did');
  await clearFiles();
});

test('phone width: the page reflows and stays usable by keyboard', async () => {
  await page.setViewportSize({ width: 360, height: 800 }); // the narrowest common phone
  // Dropped rather than chosen: the drop zone takes files too.
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['small'], 'phone.txt', { type: 'text/plain' }));
    return dt;
  });
  await page.dispatchEvent('#drop', 'drop', { dataTransfer });
  assert.equal(await lastCard().locator('.file-name').textContent(), 'phone.txt');
  await lastCard().locator('.run:not([disabled])').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling (overflow ${overflow}px)`);
  // Tab from the file input reaches the card's controls.
  await page.focus('#file-input');
  const reached = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement?.className || document.activeElement?.id || document.activeElement?.tagName));
  }
  assert.ok(reached.includes('run'), `Tab reaches the Encrypt button (${reached.join(', ')})`);
  assert.equal(await lastCard().locator('progress').getAttribute('aria-label'), 'Progress of phone.txt', 'the progress bar has a name');
  // A key of only spaces is refused, as an empty one is.
  await lastCard().locator('.ctx-key').first().fill('   ');
  await lastCard().locator('.run').click();
  assert.match(await lastCard().locator('.message').textContent(), /only spaces/);
  // Removing a card by keyboard leaves focus on the next one's remove button, then on the file input.
  await page.setInputFiles('#file-input', { name: 'second.txt', mimeType: 'text/plain', buffer: Buffer.from('two') });
  await lastCard().locator('.run:not([disabled])').waitFor();
  await page.locator('.file-card .remove').first().focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Remove second.txt');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'file-input');
  // A long name without spaces: its Save link wraps rather than widening the page.
  const long = await runFile({ name: `Quarterly_Report_Final_Version_${'x'.repeat(40)}_2024.txt`, mimeType: 'text/plain', buffer: Buffer.from('small') });
  assert.equal(long.state, 'done', long.message);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(wide <= 1, `a long file name does not widen the page (overflow ${wide}px)`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('13-phone-top', false);
  await lastCard().scrollIntoViewIfNeeded();
  await shot('14-phone-file', false);
  await clearFiles();
});

test('keyboard: a run started with Enter keeps focus in its card (on Cancel while it runs, then on Save or the action again)', async () => {
  const focused = () => page.evaluate(() => document.activeElement?.className);
  // KMS answers slowly here, so the run is still going when Cancel is pressed.
  await page.route('**/*', (route) => (route.request().method() === 'POST' ? setTimeout(() => route.continue().catch(() => {}), 1500) : route.continue()));
  try {
    await page.setInputFiles('#file-input', { name: 'keyboard.txt', mimeType: 'text/plain', buffer: Buffer.from('typed') });
    const card = lastCard();
    await card.locator('.run:not([disabled])').waitFor();
    await card.locator('.run').focus();
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'cancel', 'the disabled Encrypt button hands focus to Cancel');
    await page.keyboard.press('Enter');
    await page.waitForFunction((el) => el.dataset.state === 'cancelled', await card.elementHandle(), { timeout: 20_000 });
    assert.equal(await focused(), 'run', 'the hidden Cancel button hands focus back to Encrypt');
    const download = page.waitForEvent('download', { timeout: 20_000 });
    await page.keyboard.press('Enter');
    await page.waitForFunction((el) => el.dataset.state === 'done', await card.elementHandle(), { timeout: 20_000 });
    await download;
    assert.equal(await focused(), 'download', 'a finished run hands focus to its Save link');
    // Every control of a card is named after its file, so several cards' controls are told apart.
    const names = await card.evaluate((el) => [...el.querySelectorAll('select, input, button')].map((c) => c.getAttribute('aria-label')));
    assert.ok(names.every((n) => n?.includes('keyboard.txt')), names.join(' | '));
  } finally {
    await page.unroute('**/*');
    await clearFiles();
  }
});

test('Firefox ESR: the page connects, creates a key, encrypts a 5 MiB file that aws-encryption-cli decrypts, decrypts it back and refuses it tampered', async () => {
  const firefox = await launchFirefox();
  try {
    const ff = await firefox.newPage();
    const errors = [];
    ff.on('pageerror', (e) => errors.push(String(e)));
    // What the page saves is read back from the Blob behind each link (its CSP refuses a fetch of
    // blob: URLs; the page also clicks the link, and where the download lands is not our concern).
    await ff.evaluateOnNewDocument(watchPage);
    await ff.evaluateOnNewDocument(() => {
      const made = new Map();
      const create = URL.createObjectURL;
      URL.createObjectURL = (blob) => {
        const url = create(blob);
        made.set(url, blob);
        return url;
      };
      window.blobBehind = (url) => made.get(url);
    });
    await ff.goto(baseUrl);
    await ff.waitForFunction(() => document.body.dataset.connected === 'true', { timeout: 30_000 });
    await ff.type('#new-alias', `demo-firefox-${Date.now()}`);
    await ff.click('#create-key');
    await ff.waitForFunction(() => /Created/.test(document.querySelector('#keys-status').textContent), { timeout: 20_000 });
    const arn = await ff.evaluate(() => window.kmsDemo.state.selectedArn);
    assert.match(arn, /^arn:aws:kms:[^:]+:\d+:key\//);
    // Runs the newest card and reads what it saved.
    const runFirefoxFile = async (path) => {
      await (await ff.$('#file-input')).uploadFile(path);
      const lastCardRuns = () => [...document.querySelectorAll('.file-card')].pop()?.querySelector('.run:not([disabled])');
      await ff.waitForFunction(lastCardRuns, { timeout: 10_000 });
      await ff.evaluate(() => [...document.querySelectorAll('.file-card')].pop().querySelector('.run').click());
      await ff.waitForFunction(() => ['done', 'error', 'cancelled'].includes([...document.querySelectorAll('.file-card')].pop().dataset.state), { timeout: 60_000 });
      return ff.evaluate(async () => {
        const card = [...document.querySelectorAll('.file-card')].pop();
        const link = card.querySelector('.download');
        const out = { state: card.dataset.state, error: card.dataset.error, message: card.querySelector('.message').textContent, name: link.download, linkShown: !link.hidden };
        if (out.state === 'done') {
          const bytes = new Uint8Array(await window.blobBehind(link.href).arrayBuffer());
          let text = '';
          for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          out.base64 = btoa(text);
        }
        return out;
      });
    };
    const plain = randomBytes(5 * MiB);
    const plainPath = join(tmp, 'firefox-5MiB.bin');
    await writeFile(plainPath, plain);
    const enc = await runFirefoxFile(plainPath);
    assert.equal(enc.state, 'done', `${enc.message} ${errors.join(' | ')}`);
    assert.equal(enc.name, 'firefox-5MiB.bin.encrypted');
    const encryptedFirefoxPath = join(tmp, 'firefox-5MiB.bin.encrypted');
    const ciphertext = Buffer.from(enc.base64, 'base64');
    await writeFile(encryptedFirefoxPath, ciphertext);
    const cliOut = join(tmp, 'firefox-cli-decrypted.bin');
    await encryptionCli(['--decrypt', '--input', encryptedFirefoxPath, '--output', cliOut, '--wrapping-keys', `key=${arn}`,
      '--commitment-policy', 'require-encrypt-require-decrypt', '--encryption-context', 'file=firefox-5MiB.bin', '-S']);
    assert.ok(plain.equals(await readFile(cliOut)), 'aws-encryption-cli decrypts what Firefox encrypted');

    const dec = await runFirefoxFile(encryptedFirefoxPath);
    assert.equal(dec.state, 'done', dec.message);
    assert.equal(dec.name, 'firefox-5MiB.bin');
    assert.ok(plain.equals(Buffer.from(dec.base64, 'base64')), 'the page decrypts to the same bytes');
    assert.equal(await ff.evaluate(() => window.workerDigests), 2, 'the signed file was hashed in the worker, encrypting and decrypting');

    const tampered = Buffer.from(ciphertext);
    tampered[tampered.length - 200] ^= 1; // inside the signature or the last frame
    const tamperedPath = join(tmp, 'firefox-tampered.bin.encrypted');
    await writeFile(tamperedPath, tampered);
    const bad = await runFirefoxFile(tamperedPath);
    assert.equal(bad.state, 'error', bad.message);
    assert.ok(['SignatureError', 'AuthenticationError', 'MalformedMessageError'].includes(bad.error), bad.error);
    assert.equal(bad.linkShown, false, 'nothing to save');
    assert.deepEqual(errors, []);
    assert.deepEqual(await ff.evaluate(() => window.cspViolations), [], 'the CSP refused nothing');
  } finally {
    await firefox.close();
  }
});
