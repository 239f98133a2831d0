// Interop of the message format with the official JavaScript Encryption SDK
// (@aws-crypto/client-node) over the same local KMS, both ways, through the built package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as esdk from '@aws-crypto/client-node';
import { KMS as SdkKMS } from '@aws-sdk/client-kms';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AES_PATHS, aesPaths, chunkStream, encryptionCli, localEnv, importPackage, repoPath } from './helpers.mjs';

const ours = await importPackage();
const env = localEnv();
const creds = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
const theirClient = new SdkKMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds });
const clientProvider = () => theirClient;
const { encrypt: theirEncrypt, decrypt: theirDecrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const kms = KMSWithEnv();

function KMSWithEnv() {
  return ours.KMS.fromEnv(env);
}

async function newKey() {
  return (await kms.createKey({ Description: 'interop' })).KeyMetadata.Arn;
}

const FRAME = 4096;
const SIZES = [0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * 1024 * 1024];
const SUITES = [0x0478, 0x0578];

test('our messages decrypt with @aws-crypto/client-node (both suites, edge sizes, one and two keys)', async () => {
  const [k1, k2] = [await newKey(), await newKey()];
  const single = new ours.KmsKeyring({ client: kms, generatorKeyId: k1 });
  const double = new ours.KmsKeyring({ client: kms, generatorKeyId: k1, keyIds: [k2] });
  const theirsOnlyK2 = new esdk.KmsKeyringNode({ clientProvider, keyIds: [k2] });
  const theirsDiscovery = new esdk.KmsKeyringNode({ clientProvider, discovery: true });
  for (const suiteId of SUITES) {
    for (const size of SIZES) {
      const plaintext = randomBytes(size);
      const context = { case: `${suiteId}-${size}` };
      const { result } = await ours.encrypt(single, plaintext, { suiteId, frameLength: FRAME, encryptionContext: context });
      const back = await theirDecrypt(theirsDiscovery, result);
      assert.ok(Buffer.from(back.plaintext).equals(plaintext), `suite ${suiteId} size ${size}`);
      assert.equal(back.messageHeader.suiteId, suiteId);
      assert.equal(back.messageHeader.encryptionContext.case, context.case);
      // Two-key message: the second key alone opens it on their side.
      const twoKeys = await ours.encrypt(double, plaintext, { suiteId, frameLength: FRAME });
      assert.equal(twoKeys.messageHeader.encryptedDataKeys.length, 2);
      const backWithK2 = await theirDecrypt(theirsOnlyK2, twoKeys.result);
      assert.ok(Buffer.from(backWithK2.plaintext).equals(plaintext), `two keys, suite ${suiteId} size ${size}`);
    }
  }
});

test('aws-encryption-cli messages (its default suite 0x0578, and 0x0478) decrypt with ours, one-shot and streamed, at edge sizes', async () => {
  const key = await newKey();
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-cli-to-ours-'));
  try {
    const plaintexts = new Map(SIZES.map((size) => [size, randomBytes(size)]));
    mkdirSync(join(dir, 'in'));
    for (const [size, plaintext] of plaintexts) writeFileSync(join(dir, 'in', `p-${size}`), plaintext);
    const keyring = new ours.KmsKeyring({ client: kms, generatorKeyId: key });
    for (const [suiteId, algorithm] of [[0x0578, []], [0x0478, ['--algorithm', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY']]]) {
      const out = join(dir, `out-${suiteId}`);
      mkdirSync(out);
      await encryptionCli(['-e', '-S', '-w', `key=${key}`, '-c', 'from=cli', '--frame-length', String(FRAME), ...algorithm, '-r', '-i', join(dir, 'in'), '-o', out], env);
      for (const [size, plaintext] of plaintexts) {
        const message = new Uint8Array(readFileSync(join(out, `p-${size}.encrypted`)));
        assert.deepEqual([...message.subarray(0, 3)], [2, suiteId >> 8, suiteId & 0xff], `CLI message: v2, suite ${suiteId}`);
        const oneShot = await ours.decrypt(keyring, message, { encryptionContext: { from: 'cli' } });
        assert.ok(Buffer.from(oneShot.plaintext).equals(plaintext), `one-shot, suite ${suiteId} size ${size}`);
        assert.equal(oneShot.messageHeader.frameLength, FRAME);
        const parts = [];
        for await (const part of chunkStream(message, 1000).pipeThrough(ours.decryptStream(keyring, { encryptionContext: { from: 'cli' } }))) parts.push(part);
        assert.ok(Buffer.concat(parts).equals(plaintext), `streamed, suite ${suiteId} size ${size}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the KMS keyring asks GenerateDataKey of its generator and Encrypt of each other key; decrypt asks Decrypt once, of the first data key it may use; decryptUnsignedMessageStream asks nothing of a signed message', async () => {
  const [k1, k2, k3] = [await newKey(), await newKey(), await newKey()];
  const calls = [];
  const audited = ours.KMS.fromEnv(env, { onAudit: (e) => calls.push([e.operation, e.keyId]) });
  const keyring = new ours.KmsKeyring({ client: audited, generatorKeyId: k1, keyIds: [k2, k3] });
  const { result } = await ours.encrypt(keyring, randomBytes(100));
  assert.deepEqual(calls, [['GenerateDataKey', k1], ['Encrypt', k2], ['Encrypt', k3]]);
  calls.length = 0;
  await ours.decrypt(new ours.KmsKeyring({ client: audited, keyIds: [k2, k3] }), result);
  assert.deepEqual(calls, [['Decrypt', k2]]);
  // decryptUnsignedMessageStream refuses a signed message (this one: 0x0578, the default) from
  // its suite, before any data key is unwrapped: no KMS call.
  calls.length = 0;
  const refused = await ReadableStream.from([result]).pipeThrough(ours.decryptUnsignedMessageStream(new ours.KmsKeyring({ client: audited, discovery: true }))).getReader().read().catch((e) => e);
  assert.equal(refused.name, 'UnsupportedSuiteError', String(refused));
  assert.deepEqual(calls, []);
});

test('keys of two regions: each SDK unwraps the message of the other with the key of the other region (ours through a client of this region)', async () => {
  const otherRegion = env.AWS_REGION === 'eu-west-1' ? 'ap-southeast-2' : 'eu-west-1';
  const here = await newKey();
  const there = (await new ours.KMS({ region: otherRegion, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds }).createKey({})).KeyMetadata.Arn;
  assert.ok(there.includes(`:kms:${otherRegion}:`), there);
  // The official SDK's way to reach several regions: a client per region from clientProvider.
  const regional = (region) => new SdkKMS({ region, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds });
  const plaintext = randomBytes(FRAME * 2 + 3);
  const { result } = await ours.encrypt(new ours.KmsKeyring({ client: kms, generatorKeyId: here, keyIds: [there] }), plaintext, { frameLength: FRAME });
  const back = await theirDecrypt(new esdk.KmsKeyringNode({ clientProvider: regional, keyIds: [there] }), result);
  assert.ok(Buffer.from(back.plaintext).equals(plaintext));
  const theirs = await theirEncrypt(new esdk.KmsKeyringNode({ clientProvider: regional, generatorKeyId: there }), plaintext);
  for (const keyring of [new ours.KmsKeyring({ client: kms, keyIds: [there] }), new ours.KmsKeyring({ client: kms, discovery: true })]) {
    const mine = await ours.decrypt(keyring, theirs.result);
    assert.ok(Buffer.from(mine.plaintext).equals(plaintext));
  }
});

test('@aws-crypto/client-node messages decrypt with ours (defaults and 0x0478)', async () => {
  const key = await newKey();
  const theirs = new esdk.KmsKeyringNode({ clientProvider, generatorKeyId: key });
  const ourKeyring = new ours.KmsKeyring({ client: kms, generatorKeyId: key });
  for (const options of [{}, { suiteId: esdk.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY }, { frameLength: 1000 }]) {
    for (const size of [0, 1, 5000, 100_000]) {
      const plaintext = randomBytes(size);
      const { result } = await theirEncrypt(theirs, plaintext, { encryptionContext: { from: 'esdk' }, ...options });
      const back = await ours.decrypt(ourKeyring, result, { encryptionContext: { from: 'esdk' } });
      assert.ok(Buffer.from(back.plaintext).equals(plaintext), `${JSON.stringify(options)} size ${size}`);
    }
  }
});

test('raw AES keyrings interoperate both ways (theirs with utf8Sorting where the context\'s orders differ)', async () => {
  const wrappingKey = randomBytes(32);
  const names = { keyName: 'interop-key', keyNamespace: 'interop-ns' };
  const theirs = new esdk.RawAesKeyringNode({ ...names, unencryptedMasterKey: Uint8Array.from(wrappingKey) /* the SDK zeroes the key it is given */, wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
  const mine = new ours.RawAesKeyring({ ...names, wrappingKey });
  // client-node's suite names and numbers, so a `wrappingSuite` of client-node code may stay.
  for (const name of ['AES128_GCM_IV12_TAG16_NO_PADDING', 'AES192_GCM_IV12_TAG16_NO_PADDING', 'AES256_GCM_IV12_TAG16_NO_PADDING']) {
    assert.equal(ours.RawAesWrappingSuiteIdentifier[name], esdk.RawAesWrappingSuiteIdentifier[name], name);
  }
  assert.equal(new ours.RawAesKeyring({ ...names, wrappingKey, wrappingSuite: ours.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING }).keyName, names.keyName);
  const plaintext = randomBytes(70_000);
  const { result: fromUs, messageHeader: ourHeader } = await ours.encrypt(mine, plaintext, { encryptionContext: { raw: 'yes' } });
  const theirBack = await theirDecrypt(theirs, fromUs);
  assert.ok(Buffer.from(theirBack.plaintext).equals(plaintext));
  const { result: fromThem } = await theirEncrypt(theirs, plaintext, { encryptionContext: { raw: 'yes' } });
  const ourBack = await ours.decrypt(mine, fromThem);
  assert.ok(Buffer.from(ourBack.plaintext).equals(plaintext));
  // The EDK's provider info as client-node gives it: the text (its IV bytes lossy) and `rawInfo`,
  // the key name, tag length, IV length and IV as they are in the message.
  for (const [edk, theirEdk] of [[ourHeader.encryptedDataKeys[0], theirBack.messageHeader.encryptedDataKeys[0]], [ourBack.messageHeader.encryptedDataKeys[0], null]]) {
    assert.ok(edk.rawInfo instanceof Uint8Array && edk.rawInfo.length === 'interop-key'.length + 4 + 4 + 12);
    assert.deepEqual([...edk.rawInfo.subarray(0, 19)], [...Buffer.from('interop-key'), 0, 0, 0, 128, 0, 0, 0, 12]);
    if (theirEdk) assert.deepEqual([edk.providerId, edk.providerInfo, [...edk.rawInfo]], [theirEdk.providerId, theirEdk.providerInfo, [...theirEdk.rawInfo]]);
  }
  // Contexts whose UTF-8 and localeCompare orders differ: both ways with utf8Sorting, as the
  // README says; without it their keyring binds another order and nothing unwraps.
  const sorted = (utf8Sorting) => new esdk.RawAesKeyringNode({ ...names, unencryptedMasterKey: Uint8Array.from(wrappingKey), wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING, utf8Sorting });
  for (const encryptionContext of [{ Tenant: 't1' }, { b: '1', B: '2', _c: '3', 'é': '4', z: '5' }]) {
    for (const suiteId of [0x0578, 0x0478]) {
      const what = `${JSON.stringify(encryptionContext)}, 0x${suiteId.toString(16)}`;
      const mineOut = (await ours.encrypt(mine, plaintext, { encryptionContext, suiteId })).result;
      assert.ok(Buffer.from((await theirDecrypt(sorted(true), mineOut)).plaintext).equals(plaintext), `ours → theirs, ${what}`);
      const theirOut = (await theirEncrypt(sorted(true), plaintext, { encryptionContext, suiteId })).result;
      assert.ok(Buffer.from((await ours.decrypt(mine, theirOut, { encryptionContext })).plaintext).equals(plaintext), `theirs → ours, ${what}`);
    }
  }
  const legacyOrder = (await theirEncrypt(sorted(false), plaintext, { encryptionContext: { Tenant: 't1' } })).result;
  await assert.rejects(ours.decrypt(mine, legacyOrder), (e) => e.name === 'NoUsableKeyError', 'their default order under the signed suite');
});

test('legacy v1 messages from @aws-crypto/client-node, every v1 suite (0x0214 signed with P-256 among them), decrypt one-shot and streamed under a relaxed policy only; a forged signature is refused', async () => {
  const wrappingKey = randomBytes(32);
  const names = { keyName: 'legacy-key', keyNamespace: 'legacy-ns' };
  const theirs = new esdk.RawAesKeyringNode({ ...names, unencryptedMasterKey: Uint8Array.from(wrappingKey), wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
  const mine = new ours.RawAesKeyring({ ...names, wrappingKey });
  const { encrypt: legacyEncrypt } = esdk.buildClient(esdk.CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  const relaxed = { commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' };
  const plaintext = randomBytes(10_000);
  // `first`: the first chunk's length. One byte is too few to tell the suite, so a SHA-384 is
  // started for what may be a P-384-signed message and must be dropped once the header says otherwise.
  const streamed = async (message, first = 3001) => {
    const out = [];
    const source = new ReadableStream({ start(c) { c.enqueue(message.slice(0, first)); for (let i = first; i < message.length; i += 3001) c.enqueue(message.slice(i, i + 3001)); c.close(); } });
    for await (const part of source.pipeThrough(ours.decryptStream(mine, relaxed))) out.push(part);
    return Buffer.concat(out);
  };
  for (const suiteId of [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378]) {
    const label = `0x${suiteId.toString(16).padStart(4, '0')}`;
    const { result } = await legacyEncrypt(theirs, plaintext, { suiteId, frameLength: 4096 });
    assert.equal(result[0], 1, `${label}: a v1 message`);
    await assert.rejects(ours.decrypt(mine, result), (e) => e.name === 'CommitmentPolicyError', label);
    const back = await ours.decrypt(mine, result, relaxed);
    assert.ok(Buffer.from(back.plaintext).equals(plaintext), label);
    assert.equal(back.messageHeader.suiteId, suiteId, label);
    assert.ok((await streamed(result)).equals(plaintext), `${label} streamed`);
    assert.ok((await streamed(result, 1)).equals(plaintext), `${label} streamed, 1-byte first chunk`);
    if ([0x0214, 0x0346, 0x0378].includes(suiteId)) {
      const forged = Buffer.from(result);
      forged[forged.length - 1] ^= 1; // the end of the signature's s
      await assert.rejects(ours.decrypt(mine, forged, relaxed), (e) => e.name === 'SignatureError', `${label} forged`);
      await assert.rejects(streamed(forged), (e) => e.name === 'SignatureError', `${label} forged, streamed`);
      await assert.rejects(streamed(forged, 1), (e) => e.name === 'SignatureError', `${label} forged, streamed, 1-byte first chunk`);
    }
    if (suiteId === 0x0214) {
      // Its P-256 signature is WebCrypto's to check (the module has no P-256): without
      // WebCrypto's AES path, where wasm does everything, it is refused, typed, releasing nothing.
      ours.useWebCrypto(false);
      try {
        await assert.rejects(ours.decrypt(mine, result, relaxed), (e) => e.name === 'UnsupportedSuiteError', `${label} without WebCrypto`);
        const released = [];
        const stream = ReadableStream.from([result]).pipeThrough(ours.decryptStream(mine, relaxed));
        await assert.rejects((async () => { for await (const part of stream) released.push(part); })(), (e) => e.name === 'UnsupportedSuiteError', `${label} streamed without WebCrypto`);
        assert.ok(Buffer.concat(released).length <= plaintext.length - (plaintext.length % 4096), 'the final frame is held back');
      } finally {
        ours.useWebCrypto(true);
      }
    }
  }
});

test('buildClient, as the official SDKs build theirs: its policy and EDK limit are the defaults of encrypt, decrypt and the streams', async () => {
  const names = { keyName: 'build-client', keyNamespace: 'ns' };
  const [k1, k2] = [randomBytes(32), randomBytes(32)];
  const rawAes = (wrappingKey) => new ours.RawAesKeyring({ ...names, wrappingKey });
  const theirRawAes = (key) => new esdk.RawAesKeyringNode({ ...names, unencryptedMasterKey: Uint8Array.from(key), wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
  const strict = ours.buildClient(ours.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const relaxed = ours.buildClient({ commitmentPolicy: ours.CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, maxEncryptedDataKeys: 1 });
  const plaintext = randomBytes(5000);
  const { result } = await strict.encrypt(rawAes(k1), plaintext, { frameLength: 1024 });
  assert.ok(Buffer.from((await theirDecrypt(theirRawAes(k1), result)).plaintext).equals(plaintext));
  const legacy = (await esdk.buildClient(esdk.CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT).encrypt(theirRawAes(k1), plaintext, { suiteId: 0x0178 })).result;
  await assert.rejects(strict.decrypt(rawAes(k1), legacy), (e) => e.name === 'CommitmentPolicyError');
  assert.ok(Buffer.from((await relaxed.decrypt(rawAes(k1), legacy)).plaintext).equals(plaintext));
  const chunks = [];
  for await (const c of ReadableStream.from([legacy]).pipeThrough(relaxed.decryptStream(rawAes(k1)))) chunks.push(c);
  assert.ok(Buffer.concat(chunks).equals(plaintext), 'the stream took the relaxed policy too');
  // Two EDKs: over the client's limit of one.
  const twoKeys = (await strict.encrypt(new ours.MultiKeyring({ generator: rawAes(k1), children: [rawAes(k2)] }), plaintext)).result;
  await assert.rejects(relaxed.decrypt(rawAes(k2), twoKeys), (e) => e.name === 'TooManyEncryptedDataKeysError');
  // The client's limit holds on encrypt too: it writes no message it would refuse.
  const twoKeyring = new ours.MultiKeyring({ generator: rawAes(k1), children: [rawAes(k2)] });
  await assert.rejects(relaxed.encrypt(twoKeyring, plaintext), (e) => e.name === 'TooManyEncryptedDataKeysError', 'one-shot');
  const refusedStream = ReadableStream.from([plaintext]).pipeThrough(relaxed.encryptStream(twoKeyring));
  await assert.rejects((async () => { for await (const c of refusedStream) void c; })(), (e) => e.name === 'TooManyEncryptedDataKeysError', 'stream');
  // A call may tighten the client's settings, never relax them (client-node's calls take neither;
  // the spec holds a policy once set immutable): a higher limit, or another policy than the
  // strict one, is refused before anything is read.
  const raised = (e) => e.name === 'ValidationError' && e.field === 'maxEncryptedDataKeys';
  await assert.rejects(relaxed.decrypt(rawAes(k2), twoKeys, { maxEncryptedDataKeys: 2 }), raised);
  await assert.rejects(relaxed.encrypt(twoKeyring, plaintext, { maxEncryptedDataKeys: 2 }), raised);
  assert.throws(() => relaxed.decryptStream(rawAes(k2), { maxEncryptedDataKeys: 2 }), raised);
  assert.equal((await strict.decrypt(rawAes(k2), twoKeys, { maxEncryptedDataKeys: 2 })).plaintext.length, plaintext.length, 'a limit where the client has none');
  await assert.rejects(strict.decrypt(rawAes(k2), twoKeys, { maxEncryptedDataKeys: 1 }), (e) => e.name === 'TooManyEncryptedDataKeysError', 'a lower one');
  for (const commitmentPolicy of [ours.CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, ours.CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT]) {
    await assert.rejects(strict.decrypt(rawAes(k1), legacy, { commitmentPolicy }), (e) => e.name === 'ValidationError' && e.field === 'commitmentPolicy', commitmentPolicy);
    assert.throws(() => strict.decryptStream(rawAes(k1), { commitmentPolicy }), (e) => e.field === 'commitmentPolicy', `stream, ${commitmentPolicy}`);
  }
  await assert.rejects(relaxed.decrypt(rawAes(k1), legacy, { commitmentPolicy: ours.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT }), (e) => e.name === 'CommitmentPolicyError', 'a stricter one');
  // A client that writes nothing (FORBID_ENCRYPT_ALLOW_DECRYPT) is not made to write by a call.
  const forbidding = ours.buildClient(ours.CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  for (const commitmentPolicy of [ours.CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, ours.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT]) {
    await assert.rejects(forbidding.encrypt(rawAes(k1), plaintext, { commitmentPolicy }), (e) => e.name === 'ValidationError' && e.field === 'commitmentPolicy', commitmentPolicy);
  }
  // Options that are not an object are refused as the plain calls refuse them.
  for (const options of [5, true, []]) await assert.rejects(strict.encrypt(rawAes(k1), plaintext, options), (e) => e.name === 'ValidationError' && e.field === 'options', String(options));
  // A call that passes its options on with the limit left undefined or null keeps the client's.
  for (const maxEncryptedDataKeys of [undefined, null]) {
    await assert.rejects(relaxed.decrypt(rawAes(k2), twoKeys, { maxEncryptedDataKeys }), (e) => e.name === 'TooManyEncryptedDataKeysError', `one-shot, ${maxEncryptedDataKeys}`);
    const stream = ReadableStream.from([twoKeys]).pipeThrough(relaxed.decryptStream(rawAes(k2), { maxEncryptedDataKeys, commitmentPolicy: maxEncryptedDataKeys }));
    await assert.rejects((async () => { for await (const c of stream) void c; })(), (e) => e.name === 'TooManyEncryptedDataKeysError', `stream, ${maxEncryptedDataKeys}`);
  }
  // As client-node's: no policy given is the strictest, REQUIRE_ENCRYPT_REQUIRE_DECRYPT.
  // (kms-wasm takes an option given as null as not given, as its calls and its types do.)
  for (const options of [undefined, {}, { maxEncryptedDataKeys: 2 }, { commitmentPolicy: null, maxEncryptedDataKeys: null }]) {
    if (options?.commitmentPolicy !== null) await assert.rejects(esdk.buildClient(options).decrypt(theirRawAes(k1), legacy), /commitment/i, `client-node, ${JSON.stringify(options)}`);
    await assert.rejects(ours.buildClient(options).decrypt(rawAes(k1), legacy), (e) => e.name === 'CommitmentPolicyError', JSON.stringify(options));
    assert.ok(Buffer.from((await ours.buildClient(options).decrypt(rawAes(k1), result)).plaintext).equals(plaintext));
  }
  for (const bad of ['nonsense', { commitmentPolicy: 'NONE' }, { commitmentPolicy: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT', maxEncryptedDataKeys: 0 }]) {
    assert.throws(() => ours.buildClient(bad), (e) => e.name === 'ConfigError' && ['commitmentPolicy', 'maxEncryptedDataKeys'].includes(e.field), JSON.stringify(bad));
  }
});

test('streams: encryptStream output decrypts with their SDK; their output streams through decryptStream', async () => {
  const key = await newKey();
  const mine = new ours.KmsKeyring({ client: kms, generatorKeyId: key });
  const theirs = new esdk.KmsKeyringNode({ clientProvider, generatorKeyId: key });
  const plaintext = randomBytes(1_000_003);
  const pieces = (buf, n) => new ReadableStream({ start(c) { for (let i = 0; i < buf.length; i += n) c.enqueue(new Uint8Array(buf.subarray(i, i + n))); c.close(); } });
  const collect = async (readable) => { const out = []; for await (const c of readable) out.push(c); return Buffer.concat(out); };
  const encrypted = await collect(pieces(plaintext, 77_777).pipeThrough(ours.encryptStream(mine, { frameLength: 65536 })));
  assert.ok(Buffer.from((await theirDecrypt(theirs, encrypted)).plaintext).equals(plaintext));
  const { result } = await theirEncrypt(theirs, plaintext);
  const ds = ours.decryptStream(mine);
  const decrypted = await collect(pieces(result, 10_000).pipeThrough(ds));
  assert.ok(decrypted.equals(plaintext));
  assert.equal((await ds.messageHeader).suiteId, 0x0578);
});

test('a tampered message errors in decryptStream and decrypt releases nothing', async () => {
  const mine = new ours.RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: randomBytes(32) });
  const plaintext = randomBytes(20_000);
  const { result } = await ours.encrypt(mine, plaintext, { frameLength: 4096 });
  const bad = Uint8Array.from(result);
  bad[bad.length - 200] ^= 0x40; // inside the last frame
  await assert.rejects(ours.decrypt(mine, bad), (e) => e instanceof ours.KmsWasmError && /AuthenticationError|SignatureError/.test(e.name));
  const released = [];
  const ds = ours.decryptStream(mine);
  const writer = ds.writable.getWriter();
  const reading = (async () => { for await (const c of ds.readable) released.push(c); })();
  await writer.write(bad).catch(() => {});
  await writer.close().catch(() => {});
  await assert.rejects(reading);
  const total = released.reduce((n, c) => n + c.length, 0);
  assert.ok(total < plaintext.length, 'the tampered frame was not released');
  assert.ok(Buffer.concat(released).equals(plaintext.subarray(0, total)), 'what was released had verified');
});

// The Python SDK writes non-framed messages (frame length 0); ours never does.
const PY_NON_FRAMED = `
import sys, aws_encryption_sdk
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey
key, alg = bytes.fromhex(sys.argv[1]), getattr(Algorithm, sys.argv[2])
mk = RawMasterKey(provider_id="py-ns", key_id=b"py-name", wrapping_key=WrappingKey(wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING, wrapping_key=key, wrapping_key_type=EncryptionKeyType.SYMMETRIC))
client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
ct, _ = client.encrypt(source=sys.stdin.buffer.read(), key_provider=mk, algorithm=alg, frame_length=0)
sys.stdout.buffer.write(ct)
`;

test('non-framed messages from the Python SDK decrypt on every AES path, one-shot and streamed in any chunking; tampered or truncated, they release nothing', { timeout: 300_000 }, async () => {
  const wrappingKey = randomBytes(32);
  const keyring = new ours.RawAesKeyring({ keyName: 'py-name', keyNamespace: 'py-ns', wrappingKey });
  const { on } = aesPaths(ours);
  const streamed = async (message, chunk) => {
    const out = [];
    const source = new ReadableStream({ start(c) { for (let i = 0; i < message.length; i += chunk) c.enqueue(message.slice(i, i + chunk)); c.close(); } });
    for await (const part of source.pipeThrough(ours.decryptStream(keyring))) out.push(part);
    return Buffer.concat(out);
  };
  for (const [alg, suiteId] of [['AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 0x0478], ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 0x0578]]) {
    for (const size of [0, 1000, 300_000]) {
      const plaintext = randomBytes(size);
      const message = new Uint8Array(execFileSync(repoPath('.venv/bin/python'), ['-c', PY_NON_FRAMED, wrappingKey.toString('hex'), alg], { input: plaintext }));
      const what = `0x${suiteId.toString(16)}, ${size} bytes`;
      for (const path of AES_PATHS) {
        await on(path, async () => {
          const one = await ours.decrypt(keyring, message);
          assert.equal(one.messageHeader.contentType, 1, 'non-framed');
          assert.ok(Buffer.from(one.plaintext).equals(plaintext), `${what}, ${path}, one-shot`);
          for (const chunk of size > 10_000 ? [65_536, 100_003] : [1, 7, 4096]) {
            assert.ok((await streamed(message, chunk)).equals(plaintext), `${what}, ${path}, chunks of ${chunk}`);
          }
          if (!size) return;
          // A flipped body byte fails the tag; one byte short, the message is incomplete.
          const tampered = message.slice();
          tampered[message.length - (suiteId === 0x0578 ? 120 : 20)] ^= 1;
          for (const bad of [tampered, message.subarray(0, message.length - 1)]) {
            await assert.rejects(ours.decrypt(keyring, bad), (e) => e instanceof ours.KmsWasmError, `${what}, ${path}, one-shot`);
            const released = [];
            const source = new ReadableStream({ start(c) { for (let i = 0; i < bad.length; i += 4096) c.enqueue(bad.slice(i, i + 4096)); c.close(); } });
            await assert.rejects((async () => { for await (const part of source.pipeThrough(ours.decryptStream(keyring))) released.push(part); })(), (e) => e instanceof ours.KmsWasmError, `${what}, ${path}, stream`);
            // A non-framed body is one piece: released only once its tag verified, and for 0x0578 only after the signature.
            if (bad === tampered || suiteId === 0x0578) assert.equal(released.length, 0, `${what}, ${path}: nothing released`);
          }
        });
      }
    }
  }
});
