// The `kms-wasm` command line (pkg/cli.js) against kms-local: provision, keys, and file
// encryption in the AWS Encryption SDK format (temp file + rename, --force, progress bar).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { lstat, mkdtemp, readFile, writeFile, readdir, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esdk from '@aws-crypto/client-node';
import { KMS as SdkKMS } from '@aws-sdk/client-kms';
import { localEnv, packageDir } from './helpers.mjs';

const env = localEnv();
const cli = join(packageDir(), 'cli.js');
const unique = (p) => `${p}-${Math.random().toString(36).slice(2, 10)}`;
let dir;

/**
 * Runs the CLI; resolves to { code, stdout, stderr } (never rejects on a non-zero exit).
 * `input` (bytes) is written to its standard input; then stdout comes back as a Buffer.
 */
function run(args, extraEnv = {}, input = undefined) {
  const childEnv = { PATH: process.env.PATH, AWS_REGION: env.AWS_REGION, AWS_ENDPOINT_URL_KMS: env.AWS_ENDPOINT_URL_KMS, AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, ...extraEnv };
  return new Promise((resolve) => {
    const encoding = input === undefined ? 'utf8' : 'buffer';
    const child = execFile(process.execPath, [cli, ...args], { cwd: dir, env: childEnv, maxBuffer: 1 << 26, encoding }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

let keyArn, keyAlias, keyId;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kms-wasm-cli-'));
  const r = await run(['provision', '--app', 'cli', '--environment', 'test', '--service', unique('files')]);
  assert.equal(r.code, 0, r.stderr);
  keyArn = r.stdout.match(/_KEY_ARN=(\S+)/)[1];
  keyAlias = r.stdout.match(/_ALIAS_NAME=(\S+)/)[1];
  keyId = r.stdout.match(/_KEY_ID=(\S+)/)[1];
});
after(() => rm(dir, { recursive: true, force: true }));

test('--help prints the usage; unknown commands and flags are usage errors (exit 2)', async () => {
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: kms-wasm <command>/);
  for (const cmd of ['provision', 'keys', 'encrypt', 'decrypt']) assert.match(help.stdout, new RegExp(`\\n  ${cmd} `));
  const none = await run([]);
  assert.equal(none.code, 2, 'no command is a usage error, not success');
  assert.match(none.stderr, /no command given/);
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.equal((await run(['keys', '--no-such-flag'])).code, 2);
  // One context key given twice: a usage error, not one value dropped in silence.
  await writeFile(join(dir, 'twice.txt'), 'x');
  const twice = await run(['encrypt', '--key-id', keyArn, '--context', 'a=1', '--context', 'a=2', 'twice.txt']);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /--context a given twice/);
});

test('provision prints the variables as KEY=value lines; again reconciles the same key', async () => {
  const service = unique('billing-api');
  const args = ['provision', '--app', 'shop', '--environment', 'prod', '--service', service, '--tag', 'team=pay', '--rotation-period-in-days', '180', '--description', 'from the CLI'];
  const r = await run(args);
  assert.equal(r.code, 0, r.stderr);
  const prefix = service.toUpperCase().replace(/-/g, '_');
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split('=')[0]).sort(), [`${prefix}_ALIAS_ARN`, `${prefix}_ALIAS_NAME`, `${prefix}_KEY_ARN`, `${prefix}_KEY_ID`]);
  const vars = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.equal(vars[`${prefix}_ALIAS_NAME`], `alias/shop/prod/${service}`);
  assert.match(r.stderr, /^created /);
  const again = await run(args);
  assert.equal(again.code, 0);
  assert.equal(again.stdout, r.stdout);
  assert.match(again.stderr, /^reconciled /);
  // Validation errors name the flag and are usage errors (exit 2), before any request.
  const bad = await run(['provision', '--app', 'shop', '--environment', 'prod', '--service', service, '--rotation-period-in-days', '89']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /kms-wasm: --rotation-period-in-days: must be between 90 and 2560 days, got 89\n/);
  assert.equal(bad.stdout, '');
  const off = await run(['provision', '--app', 'shop', '--environment', 'prod', '--service', service, '--no-auto-rotate', '--rotation-period-in-days', '100']);
  assert.equal(off.code, 2, off.stderr);
  assert.match(off.stderr, /--rotation-period-in-days: is set but --no-auto-rotate is given/);
});

test('keys lists keys with their aliases and states', async () => {
  const service = unique('listed');
  const p = await run(['provision', '--app', 'cli', '--environment', 'test', '--service', service, '--disabled']);
  assert.equal(p.code, 0, p.stderr);
  const id = p.stdout.match(/_KEY_ID=(\S+)/)[1];
  const r = await run(['keys']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^KEY ID\s+STATE\s+SPEC\s+ALIASES\n/);
  const row = r.stdout.split('\n').find((l) => l.startsWith(id));
  assert.ok(row, `${id} listed`);
  assert.match(row, new RegExp(`\\sDisabled\\s.*alias/cli/test/${service}$`));
});

test('encrypt → decrypt round trip of a multi-MB file, with a progress bar on request; AWS_KMS_ENDPOINT and AWSKMS_WRAPPER_KEY_ID work too', async () => {
  const data = randomBytes(6 * 1024 * 1024 + 123);
  await writeFile(join(dir, 'big.bin'), data);
  const enc = await run(['encrypt', '--key-id', keyArn, '--context', 'purpose=test', '--progress', 'big.bin']);
  assert.equal(enc.code, 0, enc.stderr);
  assert.match(enc.stderr, /\[#+\] 100% 6\.3\/6\.3 MB/);
  // stderr is a pipe here, not a terminal: no bar unless asked for.
  const piped = await run(['encrypt', '--key-id', keyArn, '-o', 'big.quiet', 'big.bin']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.doesNotMatch(piped.stderr, /%/);
  const ciphertext = await readFile(join(dir, 'big.bin.encrypted'));
  assert.equal(ciphertext[0], 0x02, 'message format version 2');
  assert.ok(ciphertext.length > data.length);
  assert.equal((await stat(join(dir, 'big.bin.encrypted'))).mode & 0o777, 0o600);

  const dec = await run(['decrypt', '-o', 'big.out', '--context', 'purpose=test', 'big.bin.encrypted']);
  assert.equal(dec.code, 0, dec.stderr);
  assert.ok(data.equals(await readFile(join(dir, 'big.out'))));
  const wrongContext = await run(['decrypt', '-o', 'ctx.out', '--context', 'purpose=other', 'big.bin.encrypted']);
  assert.equal(wrongContext.code, 1);

  // Endpoint and key from the wrapper variables; small files show no progress bar.
  await writeFile(join(dir, 'small.txt'), 'hello');
  const alt = { AWS_ENDPOINT_URL_KMS: '', AWS_KMS_ENDPOINT: env.AWS_ENDPOINT_URL_KMS, AWSKMS_WRAPPER_KEY_ID: keyArn };
  const small = await run(['encrypt', 'small.txt'], alt);
  assert.equal(small.code, 0, small.stderr);
  assert.doesNotMatch(small.stderr, /%/);
  const back = await run(['decrypt', '--key-id', keyArn, '-o', 'small.back', 'small.txt.encrypted'], alt);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(await readFile(join(dir, 'small.back'), 'utf8'), 'hello');
  // A context key is a key whatever its name: `__proto__` is written and then required.
  assert.equal((await run(['encrypt', '--context', '__proto__=x', '-o', 'proto.enc', 'small.txt'], alt)).code, 0);
  assert.equal((await run(['decrypt', '--key-id', keyArn, '--context', '__proto__=y', '-o', 'proto.bad', 'proto.enc'], alt)).code, 1);
  const proto = await run(['decrypt', '--key-id', keyArn, '--context', '__proto__=x', '-o', 'proto.back', 'proto.enc'], alt);
  assert.equal(proto.code, 0, proto.stderr);
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');
});

test('refuses to overwrite without --force; --force replaces', async () => {
  await writeFile(join(dir, 'a.txt'), 'new content');
  await writeFile(join(dir, 'a.txt.encrypted'), 'precious');
  const r = await run(['encrypt', '--key-id', keyArn, 'a.txt']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /a\.txt\.encrypted exists; use --force/);
  assert.equal(await readFile(join(dir, 'a.txt.encrypted'), 'utf8'), 'precious', 'untouched');
  const forced = await run(['encrypt', '--key-id', keyArn, '--force', 'a.txt']);
  assert.equal(forced.code, 0, forced.stderr);
  const dec = await run(['decrypt', '--force', 'a.txt.encrypted']);
  assert.equal(dec.code, 0, dec.stderr);
  assert.equal(await readFile(join(dir, 'a.txt'), 'utf8'), 'new content');
  const missing = await run(['encrypt', '--key-id', keyArn, 'nope.txt']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read nope\.txt/);
});

test('a tampered file fails with a clear message and leaves no output file', async () => {
  const data = randomBytes(5 * 1024 * 1024);
  await writeFile(join(dir, 't.bin'), data);
  assert.equal((await run(['encrypt', '--key-id', keyArn, 't.bin'])).code, 0);
  const ciphertext = await readFile(join(dir, 't.bin.encrypted'));
  // Late in the body: several frames were already written to the temporary file when it fails.
  ciphertext[ciphertext.length - 4096] ^= 0x01;
  await writeFile(join(dir, 'tampered.encrypted'), ciphertext);
  const r = await run(['decrypt', '-o', 't.out', 'tampered.encrypted']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /kms-wasm: \w+Error: cannot decrypt tampered\.encrypted \(.+\); no output was written/);
  const files = await readdir(dir);
  assert.ok(!files.includes('t.out'), 'no output file');
  assert.deepEqual(files.filter((f) => f.endsWith('.tmp')), [], 'no temporary file');
  // Truncated and garbage input fail the same way.
  await writeFile(join(dir, 'cut.encrypted'), ciphertext.subarray(0, ciphertext.length / 2));
  const cut = await run(['decrypt', '-o', 'cut.out', 'cut.encrypted']);
  assert.equal(cut.code, 1);
  assert.ok(!(await readdir(dir)).includes('cut.out'));
  assert.ok(!r.stderr.includes(env.AWS_SECRET_ACCESS_KEY));
  // Damage early in a message of 4 KiB frames (aws-encryption-cli's default): the pipe is
  // cancelled while the file is still being read. A clean error, still no file of any kind.
  assert.equal((await run(['encrypt', '--key-id', keyArn, '--frame-length', '4096', '-o', 'small-frames.encrypted', 't.bin'])).code, 0);
  const early = await readFile(join(dir, 'small-frames.encrypted'));
  early[30_000] ^= 0x01;
  await writeFile(join(dir, 'early.encrypted'), early);
  const e = await run(['decrypt', '-o', 'early.out', 'early.encrypted']);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /^kms-wasm: \w+Error: cannot decrypt early\.encrypted \(.+\); no output was written\n$/, 'the error, last');
  assert.doesNotMatch(e.stderr, /\n\s+at |ERR_INVALID_STATE/, 'no stack trace');
  const left = await readdir(dir);
  assert.ok(!left.includes('early.out'));
  assert.deepEqual(left.filter((f) => f.endsWith('.tmp')), [], 'no temporary file (it held unverified plaintext)');
});

test('never replaces what is not a regular file (a link, a device), even with --force', async () => {
  const { symlink } = await import('node:fs/promises');
  await writeFile(join(dir, 'l.txt'), 'link me');
  assert.equal((await run(['encrypt', '--key-id', keyArn, 'l.txt'])).code, 0);
  await writeFile(join(dir, 'target.txt'), 'the link points here');
  await symlink('target.txt', join(dir, 'link.txt'));
  for (const [output, why] of [['link.txt', /link\.txt is not a regular file/], ['/dev/null', /\/dev\/null is not a regular file/]]) {
    const r = await run(['decrypt', '--force', '-o', output, 'l.txt.encrypted']);
    assert.equal(r.code, 1, output);
    assert.match(r.stderr, why);
  }
  assert.equal((await lstat(join(dir, 'link.txt'))).isSymbolicLink(), true, 'the link is still a link');
  assert.equal(await readFile(join(dir, 'target.txt'), 'utf8'), 'the link points here');
});

test('- is standard input and output: a pipe round trip; a tampered message on a pipe fails and says to discard the output', async () => {
  const data = randomBytes(200 * 1024 + 7);
  const enc = await run(['encrypt', '--key-id', keyArn, '--context', 'via=pipe', '--frame-length', '4096', '-'], {}, data);
  assert.equal(enc.code, 0, enc.stderr);
  assert.equal(enc.stdout[0], 0x02, 'a message on standard output');
  assert.equal(enc.stderr, '', 'nothing but the message is written');
  const dec = await run(['decrypt', '--context', 'via=pipe', '-'], {}, enc.stdout);
  assert.equal(dec.code, 0, dec.stderr);
  assert.ok(data.equals(dec.stdout));
  // A file in, standard output out, and the other way round.
  await writeFile(join(dir, 'piped.encrypted'), enc.stdout);
  const toStdout = await run(['decrypt', '-o', '-', 'piped.encrypted'], {}, Buffer.alloc(0));
  assert.ok(data.equals(toStdout.stdout));
  const fromStdin = await run(['decrypt', '-o', 'piped.back', '-'], {}, enc.stdout);
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.ok(data.equals(await readFile(join(dir, 'piped.back'))));
  assert.ok(!(await readdir(dir)).includes('-'), '- is never a file name');
  // The signature covers the whole message; a flipped bit in its last byte is found only at the end.
  const tampered = Buffer.from(enc.stdout);
  tampered[tampered.length - 1] ^= 1;
  const bad = await run(['decrypt', '-'], {}, tampered);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cannot decrypt standard input .*discard what was written to standard output/);
});

test('files interoperate with the official Encryption SDK (@aws-crypto/client-node), both ways', async () => {
  const sdkClient = new SdkKMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  const keyring = new esdk.KmsKeyringNode({ clientProvider: () => sdkClient, generatorKeyId: keyArn });
  const { encrypt, decrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const data = randomBytes(300 * 1024);
  await writeFile(join(dir, 'ours.bin'), data);
  assert.equal((await run(['encrypt', '--key-id', keyArn, '--context', 'origin=cli', 'ours.bin'])).code, 0);
  const theirs = await decrypt(keyring, await readFile(join(dir, 'ours.bin.encrypted')));
  assert.ok(data.equals(theirs.plaintext));
  assert.equal(theirs.messageHeader.encryptionContext.origin, 'cli');
  const { result } = await encrypt(keyring, data, { encryptionContext: { origin: 'sdk' } });
  await writeFile(join(dir, 'theirs.encrypted'), result);
  const r = await run(['decrypt', '--key-id', keyArn, '--context', 'origin=sdk', 'theirs.encrypted']); // → theirs
  assert.equal(r.code, 0, r.stderr);
  assert.ok(data.equals(await readFile(join(dir, 'theirs'))));
});

test('npx kms-wasm runs the bin of the installed package', async () => {
  const project = await mkdtemp(join(tmpdir(), 'kms-wasm-npx-'));
  try {
    const tarball = execFileSync('npm', ['pack', packageDir(), '--pack-destination', project, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop();
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'npx-user', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(project, tarball)], { cwd: project, stdio: 'pipe' });
    const out = execFileSync('npx', ['--no-install', 'kms-wasm', '--help'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(out, /^Usage: kms-wasm <command>/);
  } finally {
    await rm(project, { recursive: true, force: true });
  }
});

test('decrypt --key-id takes an alias or a key id as well as a key ARN, and then uses only that key', async () => {
  await writeFile(join(dir, 'named.txt'), 'named key');
  assert.equal((await run(['encrypt', '--key-id', keyAlias, 'named.txt'])).code, 0);
  for (const [i, id] of [keyAlias, keyId, keyArn].entries()) {
    const r = await run(['decrypt', '--key-id', id, '-o', `named.${i}`, 'named.txt.encrypted']);
    assert.equal(r.code, 0, `${id}: ${r.stderr}`);
    assert.equal(await readFile(join(dir, `named.${i}`), 'utf8'), 'named key');
  }
  const other = await run(['provision', '--app', 'cli', '--environment', 'test', '--service', unique('other')]);
  const otherAlias = other.stdout.match(/_ALIAS_NAME=(\S+)/)[1];
  const refused = await run(['decrypt', '--key-id', otherAlias, '-o', 'named.other', 'named.txt.encrypted']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /NoUsableKeyError/);
});

test('a decryption interrupted by SIGINT or SIGTERM leaves no partial file (its temporary file held unverified plaintext)', async () => {
  // Large enough that the decryption is still writing when the signal comes.
  await writeFile(join(dir, 'long.bin'), randomBytes(96 * 1024 * 1024));
  assert.equal((await run(['encrypt', '--key-id', keyArn, '--quiet', 'long.bin'])).code, 0);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    const child = execFile(process.execPath, [cli, 'decrypt', '--quiet', '-o', 'long.out', 'long.bin.encrypted'], { cwd: dir, env: { PATH: process.env.PATH, AWS_REGION: env.AWS_REGION, AWS_ENDPOINT_URL_KMS: env.AWS_ENDPOINT_URL_KMS, AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY } });
    const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig)));
    try {
      // Wait until the temporary file has grown (decryption under way), then freeze the process,
      // so the signal surely comes before the end, however fast this machine is.
      for (let started = Date.now(); ; await new Promise((r) => setTimeout(r, 20))) {
        const tmp = (await readdir(dir)).find((f) => f.startsWith('.long.out.') && f.endsWith('.tmp'));
        if (tmp && (await stat(join(dir, tmp)).catch(() => ({ size: 0 }))).size > 0) {
          child.kill('SIGSTOP');
          assert.ok((await stat(join(dir, tmp))).size < 64 << 20, 'stopped well before the end');
          break;
        }
        assert.ok(Date.now() - started < 30_000, 'the decryption started writing');
      }
      child.kill(signal);
      child.kill('SIGCONT');
      assert.equal(await exited, signal === 'SIGINT' ? 130 : 143);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const files = await readdir(dir);
    assert.deepEqual(files.filter((f) => f.startsWith('.long.out.')), [], `${signal}: no temporary file`);
    assert.ok(!files.includes('long.out'), `${signal}: no output`);
  }
  await rm(join(dir, 'long.bin'));
  await rm(join(dir, 'long.bin.encrypted'));
});

test('CLI audit fixes: an empty --key-id or -o, and another command\'s option, are usage errors; --max-frame-length and --max-encrypted-data-keys bound a file from others; a filesystem without hard links still gets its output, never over an existing file', async () => {
  await writeFile(join(dir, 'limits.txt'), randomBytes(100_000));
  const enc = await run(['encrypt', '--key-id', keyArn, '--frame-length', '65536', '-o', 'limits.enc', 'limits.txt']);
  assert.equal(enc.code, 0, enc.stderr);
  for (const [args, message] of [
    [['decrypt', '--key-id', '', '-o', 'x.out', 'limits.enc'], /--key-id needs a key id/],
    [['decrypt', '-o', '', 'limits.enc'], /-o needs a path/],
    [['encrypt', '--key-id', keyArn, '-o', '', 'limits.txt'], /-o needs a path/],
    [['decrypt', '--frame-length', '5', '-o', 'x.out', 'limits.enc'], /decrypt does not take --frame-length/],
    [['keys', '--force'], /keys does not take --force/],
    [['decrypt', '--max-frame-length', 'big', 'limits.enc'], /--max-frame-length expects an integer/],
    [['decrypt', '--max-encrypted-data-keys', '0', '-o', 'x.out', 'limits.enc'], /--max-encrypted-data-keys must be at least 1/],
    [['keys', 'extra'], /keys takes no arguments/],
    [['keys', '--region', ''], /--region needs a value/],
    [['keys', '--endpoint', ''], /--endpoint needs a value/],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // The limits: a frame over --max-frame-length, more keys than --max-encrypted-data-keys.
  const tooBig = await run(['decrypt', '--max-frame-length', '4096', '-o', 'limited.out', 'limits.enc']);
  assert.equal(tooBig.code, 1);
  assert.match(tooBig.stderr, /LimitExceededError/);
  // Refused at its header, on standard output: nothing was written, and it says so (not "discard").
  const toStdout = await run(['decrypt', '--max-frame-length', '4096', '-o', '-', 'limits.enc']);
  assert.deepEqual([toStdout.code, toStdout.stdout], [1, '']);
  assert.match(toStdout.stderr, /LimitExceededError.*; no output was written/);
  const fine = await run(['decrypt', '--max-frame-length', '65536', '--max-encrypted-data-keys', '1', '-o', 'limited.out', 'limits.enc']);
  assert.equal(fine.code, 0, fine.stderr);
  assert.deepEqual(await readFile(join(dir, 'limited.out')), await readFile(join(dir, 'limits.txt')));
  // No hard links (a FAT stick): link() fails with EPERM; the output is still written, and an
  // existing file is still not replaced without --force.
  const preload = join(dir, 'nolink.cjs');
  await writeFile(preload, "const fsp = require('node:fs/promises'); fsp.link = async () => { throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' }); };");
  const nolink = { NODE_OPTIONS: `--require ${preload}` };
  const written = await run(['decrypt', '-o', 'nolink.out', 'limits.enc'], nolink);
  assert.equal(written.code, 0, written.stderr);
  assert.deepEqual(await readFile(join(dir, 'nolink.out')), await readFile(join(dir, 'limits.txt')));
  const again = await run(['decrypt', '-o', 'nolink.out', 'limits.enc'], nolink);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /exists; use --force/);
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

test('CLI messages name what the user typed: a missing input and why, an output in a missing directory (not our temporary file), the provision flags missing (exit 2), a missing region as AWS_REGION or --region', async () => {
  const missingInput = await run(['decrypt', 'no-such-file.encrypted']);
  assert.equal(missingInput.code, 1);
  assert.match(missingInput.stderr, /cannot read no-such-file\.encrypted \(no such file\)/);
  await writeFile(join(dir, 'in.txt'), 'x');
  const badDir = await run(['encrypt', '--key-id', keyArn, '-o', join('no-such-dir', 'x.enc'), 'in.txt']);
  assert.equal(badDir.code, 1);
  assert.match(badDir.stderr, /cannot write no-such-dir\/x\.enc \(ENOENT\)/);
  assert.doesNotMatch(badDir.stderr, /\.tmp/);
  const provision = await run(['provision', '--app', 'shop']);
  assert.equal(provision.code, 2);
  assert.match(provision.stderr, /provision needs --environment, --service/);
  const noRegion = await run(['keys'], { AWS_REGION: '' });
  assert.equal(noRegion.code, 1);
  assert.match(noRegion.stderr, /set AWS_REGION \(or AWS_DEFAULT_REGION\), or give --region/);
});

// A fake KMS for what moto cannot do: a key the caller may list but not describe.
test('fixture keys: a key that cannot be described (AccessDeniedException) is listed with ? and counted on stderr, the others as usual; throttling fails the listing, which then stops', async () => {
  const { createServer } = await import('node:http');
  let listed = ['k-mine', 'k-theirs'];
  let describes = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      const op = req.headers['x-amz-target'].split('.').pop();
      const json = (status, value, type) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type && { 'x-amzn-errortype': type }) }).end(JSON.stringify(value));
      if (op === 'ListAliases') return json(200, { Aliases: [{ AliasName: 'alias/mine', TargetKeyId: 'k-mine' }], Truncated: false });
      if (op === 'ListKeys') return json(200, { Keys: listed.map((KeyId) => ({ KeyId })), Truncated: false });
      describes += 1;
      if (JSON.parse(body).KeyId === 'k-theirs') return json(400, { __type: 'AccessDeniedException', message: 'not yours' });
      if (JSON.parse(body).KeyId === 'k-throttled') return json(400, { __type: 'ThrottlingException', message: 'slow down' });
      json(200, { KeyMetadata: { KeyId: 'k-mine', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' } });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await run(['keys'], { AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${server.address().port}` });
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    assert.deepEqual(rows, [['k-mine', 'Enabled', 'SYMMETRIC_DEFAULT/ENCRYPT_DECRYPT', 'alias/mine'], ['k-theirs', '?', '?', '-']]);
    assert.match(r.stderr, /1 key not described \(AccessDeniedException\)/);
    // Throttling that outlasts the retries is no verdict on the key: the listing fails, and no
    // more keys are described once it has.
    listed = ['k-throttled', ...Array.from({ length: 200 }, (_, i) => `k-${i}`)];
    describes = 0;
    const throttled = await run(['keys'], { AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${server.address().port}`, AWS_MAX_ATTEMPTS: '1' });
    assert.deepEqual([throttled.code, throttled.stdout], [1, ''], throttled.stderr);
    assert.match(throttled.stderr, /ThrottlingException/);
    assert.ok(describes < 20, `${describes} DescribeKey calls after the listing failed`);
  } finally {
    server.close();
  }
});

test('CLI audit fixes (3): stray arguments to provision (an on/off flag given a value) are usage errors; retire schedules deletion and deletes the alias; a reader that stops early fails a decryption to standard output; long output names and a file named .encrypted work', async () => {
  const service = unique('retired');
  const names = ['--app', 'cli', '--environment', 'test', '--service', service];
  for (const stray of [['--disabled', 'false'], ['--description', 'Billing', 'API', 'key']]) {
    const r = await run(['provision', ...names, ...stray]);
    assert.equal(r.code, 2, `${stray}: ${r.stderr}`);
    assert.match(r.stderr, /provision takes no arguments/);
    assert.equal(r.stdout, '');
  }
  const sdk = new SdkKMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  await assert.rejects(sdk.describeKey({ KeyId: `alias/cli/test/${service}` }), /NotFound/, 'no key was made by the refused runs');
  // provision no longer takes the deletion window; retire does.
  assert.equal((await run(['provision', ...names, '--deletion-window-in-days', '7'])).code, 2);
  const made = await run(['provision', ...names]);
  assert.equal(made.code, 0, made.stderr);
  const id = made.stdout.match(/_KEY_ID=(\S+)/)[1];
  assert.equal((await run(['retire', '--app', 'cli'])).code, 2, 'retire needs the three names or --alias');
  const badWindow = await run(['retire', ...names, '--deletion-window-in-days', '3']);
  assert.deepEqual([badWindow.code, /--deletion-window-in-days: must be between 7 and 30 days, got 3/.test(badWindow.stderr)], [2, true], badWindow.stderr);
  const retired = await run(['retire', ...names, '--deletion-window-in-days', '7']);
  assert.equal(retired.code, 0, retired.stderr);
  assert.match(retired.stderr, new RegExp(`^retired alias/cli/test/${service}: alias deleted; \\S+${id} is deleted on \\d{4}-\\d\\d-\\d\\d \\(7 days;`));
  assert.equal((await sdk.describeKey({ KeyId: id })).KeyMetadata.KeyState, 'PendingDeletion');
  await assert.rejects(sdk.describeKey({ KeyId: `alias/cli/test/${service}` }), /NotFound/);
  const again = await run(['retire', '--alias', `alias/cli/test/${service}`]);
  assert.equal(again.code, 1, 'nothing left to retire');

  // Decrypting to a reader that closes after its first bytes: exit 1, said (the rest was never verified).
  await writeFile(join(dir, 'big.bin'), randomBytes(1 << 20));
  assert.equal((await run(['encrypt', '--key-id', keyArn, '-o', 'big.enc', 'big.bin'])).code, 0);
  const bash = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" decrypt -o - big.enc | head -c 100 > /dev/null; echo "status=\${PIPESTATUS[0]}"`], { cwd: dir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  assert.match(bash.stdout, /status=1/, bash.stderr);
  assert.match(bash.stderr, /standard output was closed before the end of the message \(EPIPE\)/);
  // A listing cut short is not a failure.
  const listing = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" keys | head -c 1 > /dev/null; echo "status=\${PIPESTATUS[0]}"`], { cwd: dir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  assert.match(listing.stdout, /status=0/, listing.stderr);

  // Output names up to the filesystem's 255 bytes (the temporary name next to it is cut to fit).
  const long = `${'é'.repeat(115)}.bin`; // 234 bytes; its .encrypted is 244
  await writeFile(join(dir, long), 'long name');
  const encLong = await run(['encrypt', '--key-id', keyArn, long]);
  assert.equal(encLong.code, 0, encLong.stderr);
  await rm(join(dir, long));
  const decLong = await run(['decrypt', `${long}.encrypted`]);
  assert.equal(decLong.code, 0, decLong.stderr);
  assert.equal(await readFile(join(dir, long), 'utf8'), 'long name');
  // A file named just .encrypted decrypts to .encrypted.decrypted.
  assert.equal((await run(['encrypt', '--key-id', keyArn, '-o', '.encrypted', 'big.bin'])).code, 0);
  const dot = await run(['decrypt', '.encrypted']);
  assert.equal(dot.code, 0, dot.stderr);
  assert.ok((await readFile(join(dir, 'big.bin'))).equals(await readFile(join(dir, '.encrypted.decrypted'))));
});

test('CLI audit fixes (2): a pipe or device is read as input; AWSKMS_WRAPPER_KEY_ID is trimmed; --policy @FILE that is missing names the option; a failed write to standard output is said', async () => {
  const plain = randomBytes(70_000);
  // A named pipe, as <(command) gives one.
  execFileSync('mkfifo', [join(dir, 'in.fifo')]);
  const encrypting = run(['encrypt', '-o', 'from-pipe.enc', 'in.fifo'], { AWSKMS_WRAPPER_KEY_ID: `${keyArn}\n` });
  await writeFile(join(dir, 'in.fifo'), plain); // opens once the CLI opens it to read
  const enc = await encrypting;
  assert.equal(enc.code, 0, enc.stderr);
  const dec = await run(['decrypt', '-o', '-', 'from-pipe.enc'], {}, Buffer.alloc(0));
  assert.equal(dec.code, 0, dec.stderr);
  assert.ok(Buffer.compare(dec.stdout, plain) === 0);
  const policy = await run(['provision', '--app', 'cli', '--environment', 'test', '--service', unique('policy'), '--policy', '@no-such-policy.json']);
  assert.equal(policy.code, 1);
  assert.match(policy.stderr, /--policy: cannot read no-such-policy\.json \(no such file\)/);
  // A full disk for standard output (/dev/full): an error message, exit 1.
  const full = spawnSync('sh', ['-c', `exec "${process.execPath}" "${cli}" decrypt -o - from-pipe.enc > /dev/full`], { cwd: dir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  assert.equal(full.status, 1, full.stderr);
  assert.match(full.stderr, /cannot write standard output \(ENOSPC\)/);
});
