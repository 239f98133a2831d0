// Issue 7 from JavaScript against kms-local: provisionKey / retireKey, KmsWrapper, the audit
// hooks and the credential providers. Tests named `fixture …` run against a local fake
// STS on 127.0.0.1 (what moto cannot show: refresh timing, single flight, error answers).
//
// moto 5.2.5 checks a signature on every request once kms-local's free requests are spent,
// except Cognito GetId/GetOpenIdToken: the unsigned AssumeRoleWithWebIdentity and
// GetCredentialsForIdentity calls would get a 500. So, as the Rust tests do with a signing
// HttpClient, the providers here talk to a small proxy on 127.0.0.1 that records each request
// as it arrives (unsigned, as sent to AWS) and signs it with the kms-local user's key on its
// way to moto. The KMS calls made with the resulting credentials go straight to kms-local.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { KMS as SdkKMS } from '@aws-sdk/client-kms';
import { copiesInMemory, localEnv, importPackage, localServer, packageDir, typecheck } from './helpers.mjs';

const pkg = await importPackage();
const { KMS, KmsWasmError, DisabledException, KMSInvalidStateException, provisionKey, retireKey, KmsWrapper, fromEnv, fromFunction, fromWebIdentity, fromCognitoIdentityPool } = pkg;
const env = localEnv();
const unique = (p) => `${p}-${Math.random().toString(36).slice(2, 10)}`;
const text = (b) => new TextDecoder().decode(b);

function client(audit) {
  return KMS.fromEnv(env, audit ? { onAudit: (e) => audit.push(e) } : {});
}

// ---- provisioning -------------------------------------------------------------------------------

test('provisionKey creates key and alias, returns SDK-shaped metadata and the variables', async () => {
  const kms = client();
  const service = unique('billing-api');
  const r = await provisionKey(kms, { app: 'shop', environment: 'test', service, description: 'billing', tags: { team: 'pay' } });
  assert.equal(r.created, true);
  assert.equal(r.AliasName, `alias/shop/test/${service}`);
  assert.match(r.AliasArn, /^arn:aws:kms:us-east-1:\d{12}:alias\/shop\/test\//);
  assert.ok(r.KeyMetadata.CreationDate instanceof Date);
  assert.equal(r.KeyMetadata.KeyState, 'Enabled');
  assert.equal(r.KeyMetadata.Description, 'billing');
  const prefix = service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  assert.deepEqual(r.variables, {
    [`${prefix}_KEY_ID`]: r.KeyMetadata.KeyId,
    [`${prefix}_KEY_ARN`]: r.KeyMetadata.Arn,
    [`${prefix}_ALIAS_NAME`]: r.AliasName,
    [`${prefix}_ALIAS_ARN`]: r.AliasArn,
  });
  assert.equal((await kms.getKeyRotationStatus({ KeyId: r.KeyMetadata.KeyId })).KeyRotationEnabled, true, 'rotation on by default');
  const tags = (await kms.listResourceTags({ KeyId: r.KeyMetadata.KeyId })).Tags;
  assert.deepEqual(tags, [{ TagKey: 'team', TagValue: 'pay' }]);
});

test('provisionKey is idempotent and reconciles description, tags, rotation and enabled state', async () => {
  const kms = client();
  const base = { app: 'shop', environment: 'test', service: unique('svc') };
  const first = await provisionKey(kms, base);
  const again = await provisionKey(kms, { ...base, description: 'now described', tags: { env: 'test' }, autoRotate: false, enabled: false });
  assert.equal(again.created, false);
  assert.equal(again.KeyMetadata.KeyId, first.KeyMetadata.KeyId, 'the alias key is reused');
  assert.equal(again.KeyMetadata.Description, 'now described');
  assert.equal(again.KeyMetadata.KeyState, 'Disabled');
  assert.equal((await kms.getKeyRotationStatus({ KeyId: first.KeyMetadata.KeyId })).KeyRotationEnabled, false);
  assert.deepEqual((await kms.listResourceTags({ KeyId: first.KeyMetadata.KeyId })).Tags, [{ TagKey: 'env', TagValue: 'test' }]);
  // A single-Region key cannot become multi-Region: refused, not reused as if it were one.
  const mr = await provisionKey(kms, { ...base, multiRegion: true }).catch((e) => e);
  assert.deepEqual([mr.name, mr.field], ['ValidationError', 'multiRegion'], mr.message);
  // moto 5.2.5 neither keeps nor reports RotationPeriodInDays: what is checked is what KMS is sent.
  const sentPeriods = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (request) => {
    if (request.headers.get('x-amz-target') === 'TrentService.EnableKeyRotation') sentPeriods.push(JSON.parse(await request.clone().text()).RotationPeriodInDays);
    return realFetch(request);
  };
  let back;
  try {
    back = await provisionKey(kms, { ...base, rotationPeriodInDays: 180 });
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(sentPeriods, [180]);
  assert.equal(back.KeyMetadata.KeyState, 'Enabled');
  const rot = await kms.getKeyRotationStatus({ KeyId: first.KeyMetadata.KeyId });
  assert.equal(rot.KeyRotationEnabled, true);
  const aliases = (await kms.listAliases({ KeyId: first.KeyMetadata.KeyId })).Aliases.map((a) => a.AliasName);
  assert.deepEqual(aliases, [first.AliasName], 'one alias per key');
});

test('provisionKey: a custom alias, an HMAC key (no rotation) and an asymmetric key', async () => {
  const kms = client();
  const alias = unique('custom/name');
  const r = await provisionKey(kms, { service: 'mac', alias, keySpec: 'HMAC_256' });
  assert.equal(r.AliasName, `alias/${alias}`);
  assert.equal(r.KeyMetadata.KeySpec, 'HMAC_256');
  assert.ok(r.variables.MAC_KEY_ID);
  const rsa = await provisionKey(kms, { app: 'shop', environment: 'test', service: unique('sign'), keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
  assert.equal(rsa.KeyMetadata.KeySpec, 'RSA_2048');
  const mismatch = await provisionKey(kms, { service: 'mac', alias, keySpec: 'SYMMETRIC_DEFAULT' }).catch((e) => e);
  assert.equal(mismatch.field, 'keySpec', 'an existing key\'s spec is never changed');
  // Nor taken for the default (a symmetric encryption key, which rotates) when none is asked for:
  // rotation options cannot then be ignored in silence.
  for (const options of [{}, { autoRotate: true }, { rotationPeriodInDays: 100 }]) {
    const implied = await provisionKey(kms, { service: 'mac', alias, ...options }).catch((e) => e);
    assert.equal(implied.field, 'keySpec', JSON.stringify(options));
    assert.match(implied.message, /points at a HMAC_256 key, not SYMMETRIC_DEFAULT .*to keep it, give keySpec HMAC_256/);
  }
  assert.equal((await provisionKey(kms, { service: 'mac', alias, keySpec: 'HMAC_256' })).created, false, 'given its spec, the key is found again');
});

test('provisionKey creates a multi-Region key with a policy, disabled, when asked; retireKey\'s default window is 30 days', async () => {
  const kms = client();
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'provisioned', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }] });
  const p = await provisionKey(kms, { app: 'shop', environment: 'test', service: unique('mr'), multiRegion: true, policy, enabled: false });
  const { KeyMetadata } = await kms.describeKey({ KeyId: p.KeyMetadata.KeyId });
  assert.deepEqual([KeyMetadata.MultiRegion, KeyMetadata.Enabled], [true, false]);
  assert.equal(JSON.parse((await kms.getKeyPolicy({ KeyId: KeyMetadata.KeyId, PolicyName: 'default' })).Policy).Statement[0].Sid, 'provisioned');
  const retired = await retireKey(kms, p.AliasName);
  const days = (retired.DeletionDate - Date.now()) / 86_400_000;
  assert.ok(retired.PendingWindowInDays === 30 && days > 29 && days <= 30, `${retired.PendingWindowInDays} days, deletion in ${days.toFixed(2)}`);
});

test('provisionKey validates every option before any request, naming the field', async () => {
  const audit = [];
  const kms = client(audit);
  const ok = { app: 'shop', environment: 'test', service: 'api' };
  const cases = [
    [{ ...ok, service: '' }, 'service'],
    [{ ...ok, service: undefined }, 'service'],
    [{ ...ok, app: 'my app' }, 'app'],
    [{ ...ok, environment: 'prod/eu' }, 'environment'],
    [{ ...ok, alias: 'alias/aws/reserved' }, 'alias'],
    [{ ...ok, rotationPeriodInDays: 89 }, 'rotationPeriodInDays'],
    [{ ...ok, rotationPeriodInDays: 2561 }, 'rotationPeriodInDays'],
    [{ ...ok, rotationPeriodInDays: 100, autoRotate: false }, 'rotationPeriodInDays'],
    [{ ...ok, rotationPeriodInDays: 99.5 }, 'rotationPeriodInDays'],
    [{ ...ok, deletionWindowInDays: 6 }, 'deletionWindowInDays'],
    [{ ...ok, deletionWindowInDays: 31 }, 'deletionWindowInDays'],
    [{ ...ok, keySpec: 'ECC_NIST_P256', keyUsage: 'ENCRYPT_DECRYPT' }, 'keyUsage'],
    [{ ...ok, keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'SIGN_VERIFY' }, 'keyUsage'],
    [{ ...ok, keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT', autoRotate: true }, 'autoRotate'],
    [{ ...ok, keySpec: 'AES_999' }, 'keySpec'],
    [{ ...ok, keyUsage: 'DECRYPT_ONLY' }, 'keyUsage'],
    [{ ...ok, policy: 'not json' }, 'policy'],
    [{ ...ok, tags: { 'aws:reserved': 'x' } }, 'tags'],
    [{ ...ok, tags: { team: 5 } }, 'tags'],
    [{ ...ok, tags: [{ TagKey: 'team', TagValue: 'a' }, { TagKey: 'team', TagValue: 'b' }] }, 'tags'],
    [{ ...ok, enabled: 'yes' }, 'enabled'],
    // Misspelt: the rotation period asked for would otherwise be dropped without a word.
    [{ ...ok, rotationPeriodInDay: 180 }, 'rotationPeriodInDay'],
  ];
  const retiring = await retireKey(kms, { ...ok, deletionWindow: 7 }).catch((e) => e);
  assert.ok(retiring.name === 'ValidationError' && retiring.field === 'deletionWindow', `retireKey: ${retiring}`);
  // An alias built of the names that KMS would refuse is blamed on the name at fault.
  const aws = await provisionKey(kms, { app: 'aws', environment: 'prod', service: 'svc' }).catch((e) => e);
  assert.deepEqual([aws.name, aws.field], ['ValidationError', 'app'], aws.message);
  const long = await provisionKey(kms, { app: 'a', environment: 'b', service: 's'.repeat(260) }).catch((e) => e);
  assert.deepEqual([long.field, /makes the alias 270 characters long/.test(long.message)], ['service', true], long.message);
  // retireKey checks the names as provisionKey does, before anything is sent.
  for (const [options, field] of [[{ service: 'svc' }, 'app'], [{ app: 'a', environment: 'b', service: 'svc', deletionWindowInDays: 3 }, 'deletionWindowInDays']]) {
    const r = await retireKey(kms, options).catch((e) => e);
    assert.deepEqual([r.name, r.field], ['ValidationError', field], `retireKey ${JSON.stringify(options)}: ${r.message}`);
  }
  for (const [options, field] of cases) {
    const err = await provisionKey(kms, options).catch((e) => e);
    assert.ok(err instanceof KmsWasmError, `${JSON.stringify(options)}: ${err}`);
    assert.equal(err.name, 'ValidationError', JSON.stringify(options));
    assert.equal(err.field, field, `${JSON.stringify(options)} → ${err.message}`);
  }
  const notClient = await provisionKey({ describeKey() {} }, ok).catch((e) => e);
  assert.equal(notClient.field, 'kms');
  // KmsWrapper's option is called client: the error names it so.
  for (const client of [undefined, { describeKey() {} }]) {
    assert.throws(() => new KmsWrapper({ client, keyId: 'k' }), (e) => e instanceof KmsWasmError && e.field === 'client' && /^client: /.test(e.message));
  }
  assert.equal(audit.length, 0, 'nothing was sent');
});

test('retireKey deletes the alias and schedules deletion; by alias or by options', async () => {
  const audit = [];
  const kms = client(audit);
  const opts = { app: 'shop', environment: 'test', service: unique('old'), deletionWindowInDays: 8 };
  const r = await provisionKey(kms, opts);
  for (const window of [31, 6, 2 ** 32 + 7, 7.5]) {
    // 2^32 + 7 would read as 7 in wasm's 32-bit integer.
    const bad = await retireKey(kms, r.AliasName, window).catch((e) => e);
    assert.equal(bad.field, 'deletionWindowInDays', String(window));
  }
  const sent = audit.length;
  const retired = await retireKey(kms, opts);
  assert.equal(audit.length > sent, true);
  assert.equal(retired.AliasName, r.AliasName);
  assert.equal(retired.PendingWindowInDays, 8, "the options' window");
  assert.ok(retired.DeletionDate instanceof Date && retired.DeletionDate > new Date());
  assert.equal((await kms.describeKey({ KeyId: r.KeyMetadata.KeyId })).KeyMetadata.KeyState, 'PendingDeletion');
  const gone = await kms.describeKey({ KeyId: r.AliasName }).catch((e) => e);
  assert.equal(gone.name, 'NotFoundException');

  const second = await provisionKey(kms, { app: 'shop', environment: 'test', service: unique('old2') });
  const byAlias = await retireKey(kms, second.AliasName.slice('alias/'.length), 7);
  assert.equal(byAlias.PendingWindowInDays, 7);
  const again = await retireKey(kms, second.AliasName, 7).catch((e) => e);
  assert.equal(again.name, 'NotFoundException');
});

// ---- the wrapper ----------------------------------------------------------------------------------

const wrapperEnv = () => ({ AWS_REGION: env.AWS_REGION, AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, AWS_KMS_ENDPOINT: env.AWS_ENDPOINT_URL_KMS });

test('KmsWrapper: round trip, aad, and blobs that name their key survive a change of key', async () => {
  const kms = client();
  const k1 = (await kms.createKey({})).KeyMetadata;
  const k2 = (await kms.createKey({})).KeyMetadata;
  const w1 = await KmsWrapper.fromConfig({}, { ...wrapperEnv(), AWSKMS_WRAPPER_KEY_ID: k1.KeyId });
  assert.equal(await w1.keyId(), k1.KeyId);
  const blob = await w1.encrypt('secret payload', 'record-7');
  assert.ok(blob instanceof Uint8Array);
  assert.equal(text(blob.subarray(0, 4)), 'KMSW');
  assert.equal(await KmsWrapper.keyIdOf(blob), k1.Arn);
  assert.equal(text(await w1.decrypt(blob, 'record-7')), 'secret payload');
  assert.equal((await w1.decrypt(blob, new TextEncoder().encode('wrong').subarray(0)).catch((e) => e)).name, 'AuthenticationError');
  assert.equal((await w1.decrypt(blob).catch((e) => e)).name, 'AuthenticationError', 'aad is required again');
  const empty = await w1.encrypt(new Uint8Array(0));
  assert.equal((await w1.decrypt(empty)).length, 0);
  // A missing argument is not an empty one: nothing is encrypted by mistake.
  for (const missing of [undefined, null]) {
    const refused = (field) => (e) => e.name === 'ValidationError' && e.field === field;
    await assert.rejects(w1.encrypt(missing), refused('plaintext'), String(missing));
    await assert.rejects(w1.decrypt(missing), refused('blob'), String(missing));
    await assert.rejects(KmsWrapper.keyIdOf(missing), refused('blob'), String(missing));
  }
  // A blob given as a string (its stored base64, say) is refused as such, not parsed as UTF-8.
  const asBase64 = Buffer.from(blob).toString('base64');
  await assert.rejects(w1.decrypt(asBase64, 'record-7'), (e) => e.name === 'ValidationError' && e.field === 'blob' && /base64/.test(e.message));
  await assert.rejects(KmsWrapper.keyIdOf(asBase64), (e) => e.name === 'ValidationError' && e.field === 'blob');

  // Configured with another key (config beats env): new blobs use it, old ones still decrypt.
  const w2 = await KmsWrapper.fromConfig({ keyId: k2.Arn }, { ...wrapperEnv(), AWSKMS_WRAPPER_KEY_ID: k1.KeyId });
  assert.equal(text(await w2.decrypt(blob, 'record-7')), 'secret payload');
  assert.equal(await KmsWrapper.keyIdOf(await w2.encrypt('new')), k2.Arn);

  // After a rotation the same key decrypts old blobs, and new ones.
  await kms.rotateKeyOnDemand({ KeyId: k1.KeyId });
  assert.equal(text(await w1.decrypt(blob, 'record-7')), 'secret payload');
  assert.equal(text(await w1.decrypt(await w1.encrypt('after rotation'))), 'after rotation');

  const tampered = blob.slice();
  tampered[tampered.length - 1] ^= 1;
  assert.equal((await w1.decrypt(tampered, 'record-7').catch((e) => e)).name, 'AuthenticationError');
  assert.equal((await w1.decrypt(new Uint8Array([1, 2, 3])).catch((e) => e)).name, 'MalformedMessageError');
});

test('fixture: KmsWrapper.describe gives KeyMetadata dates as Dates (rounded to the millisecond), and a SerializationException, not an Invalid Date, for a date sent as text', async () => {
  let creationDate = 1700000000.1234567; // microseconds and beyond, as emulators send them
  const server = await localServer(async (req, res) => {
    for await (const _ of req);
    const KeyMetadata = { KeyId: 'k1', Arn: 'arn:aws:kms:us-east-1:111122223333:key/k1', CreationDate: creationDate, Enabled: true, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' };
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ KeyMetadata }));
  });
  try {
    const kms = new KMS({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'AKIDFIXTURE', secretAccessKey: 'fixture' } });
    const wrapper = new KmsWrapper({ client: kms, keyId: 'k1' });
    const m = await wrapper.describe();
    assert.ok(m.CreationDate instanceof Date);
    assert.equal(m.CreationDate.getTime(), 1700000000123, 'rounded as KMS.describeKey rounds');
    assert.equal(m.CreationDate.getTime(), (await kms.describeKey({ KeyId: 'k1' })).KeyMetadata.CreationDate.getTime());
    creationDate = '2024-01-01T00:00:00Z';
    const e = await wrapper.describe().catch((x) => x);
    assert.equal(e.name, 'SerializationException', String(e));
    assert.match(e.message, /KeyMetadata\.CreationDate/);
    assert.equal((await kms.describeKey({ KeyId: 'k1' }).catch((x) => x)).name, 'SerializationException', 'as the client says');
  } finally {
    await server.close();
  }
});

// The blob format of src/wrapper.rs, read and written here with node:crypto and the AWS SDK's
// KMS client, not with the package: blobs already stored must keep decrypting, so the format
// (magic, version, ARN, encrypted data key, IV, the header as GCM AAD before the caller's aad, the
// data key's encryption context) must not drift.
test('KmsWrapper blobs follow their documented format both ways (read and written independently of the package)', async () => {
  const kms = client();
  const { KeyMetadata } = await kms.createKey({});
  const sdk = new SdkKMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  const context = { 'kms-wasm:wrapper': '1' };
  const aad = Buffer.from('customer-42');
  const wrapper = new KmsWrapper({ client: kms, keyId: KeyMetadata.KeyId });
  // Read: a blob the package wrote.
  const blob = Buffer.from(await wrapper.encrypt(Buffer.from('card token'), aad));
  assert.equal(blob.subarray(0, 5).toString('latin1'), 'KMSW\x01');
  const arnLength = blob.readUInt16BE(5);
  const arn = blob.subarray(7, 7 + arnLength).toString();
  const edkLength = blob.readUInt16BE(7 + arnLength);
  const edk = blob.subarray(9 + arnLength, 9 + arnLength + edkLength);
  const headerEnd = 9 + arnLength + edkLength + 12;
  const iv = blob.subarray(headerEnd - 12, headerEnd);
  assert.equal(arn, KeyMetadata.Arn);
  const { Plaintext: dataKey } = await sdk.decrypt({ CiphertextBlob: edk, KeyId: arn, EncryptionContext: context });
  const decipher = createDecipheriv('aes-256-gcm', dataKey, iv).setAAD(Buffer.concat([blob.subarray(0, headerEnd), aad])).setAuthTag(blob.subarray(blob.length - 16));
  assert.equal(Buffer.concat([decipher.update(blob.subarray(headerEnd, blob.length - 16)), decipher.final()]).toString(), 'card token');
  // Written: a blob made here decrypts with the package.
  const fresh = await sdk.generateDataKey({ KeyId: KeyMetadata.Arn, KeySpec: 'AES_256', EncryptionContext: context });
  const ivHere = randomBytes(12);
  const u16 = (n) => Buffer.from([n >> 8, n & 255]);
  const header = Buffer.concat([Buffer.from('KMSW\x01', 'latin1'), u16(fresh.KeyId.length), Buffer.from(fresh.KeyId), u16(fresh.CiphertextBlob.length), Buffer.from(fresh.CiphertextBlob), ivHere]);
  const cipher = createCipheriv('aes-256-gcm', fresh.Plaintext, ivHere).setAAD(Buffer.concat([header, aad]));
  const written = Buffer.concat([header, cipher.update('written by hand'), cipher.final(), cipher.getAuthTag()]);
  assert.equal(Buffer.from(await wrapper.decrypt(written, aad)).toString(), 'written by hand');
  assert.equal(await KmsWrapper.keyIdOf(written), KeyMetadata.Arn);
});

test('KmsWrapper.fromConfig: precedence and errors naming the field or variable', async () => {
  const e = (config, vars) => KmsWrapper.fromConfig(config, vars).then(() => null, (err) => err);
  assert.equal((await e({}, {})).field, 'region');
  assert.equal((await e({}, { AWS_REGION: 'Not A Region' })).field, 'AWS_REGION');
  assert.equal((await e({}, { AWS_REGION: 'us-east-1' })).field, 'accessKey');
  assert.equal((await e({ accessKey: 'AKID' }, { AWS_REGION: 'us-east-1' })).field, 'secretKey');
  assert.equal((await e({}, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' })).field, 'keyId');
  const err = await e({ keyId: 'k' }, { AWS_DEFAULT_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'top-secret-value', AWS_KMS_ENDPOINT: 'http://kms.example.com' });
  assert.equal(err.field, 'AWS_KMS_ENDPOINT');
  assert.ok(!err.message.includes('top-secret-value'));
  assert.ok(err instanceof KmsWasmError);
  // A misspelt field is refused, not left to fall back on the environment's value (another key).
  const misspelt = await e({ keyID: 'alias/config-key' }, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's', AWSKMS_WRAPPER_KEY_ID: 'alias/env-key' });
  assert.deepEqual([misspelt?.name, misspelt?.field], ['ConfigError', 'keyID']);
  assert.throws(() => new KmsWrapper({ client: client(), keyID: 'alias/k' }), (x) => x.name === 'ConfigError' && x.field === 'keyID');
  // Explicit config wins over the environment: a bad env region is not even read.
  const kms = client();
  const key = (await kms.createKey({})).KeyMetadata;
  const w = await KmsWrapper.fromConfig(
    { region: env.AWS_REGION, accessKey: env.AWS_ACCESS_KEY_ID, secretKey: env.AWS_SECRET_ACCESS_KEY, endpoint: env.AWS_ENDPOINT_URL_KMS, keyId: key.KeyId },
    { AWS_REGION: 'Not A Region', AWS_ACCESS_KEY_ID: 'x', AWSKMS_WRAPPER_KEY_ID: 'y' },
  );
  assert.equal((await w.describe()).KeyId, key.KeyId);
});

test('KmsWrapper refuses keys that are not symmetric encryption keys, with a clear error', async () => {
  const kms = client();
  for (const [KeySpec, KeyUsage] of [['RSA_2048', 'ENCRYPT_DECRYPT'], ['HMAC_256', 'GENERATE_VERIFY_MAC']]) {
    const key = (await kms.createKey({ KeySpec, KeyUsage })).KeyMetadata;
    const w = new KmsWrapper({ client: kms, keyId: key.Arn });
    const err = await w.encrypt('x').catch((e) => e);
    assert.ok(err instanceof KmsWasmError, String(err));
    assert.equal(err.field, 'keyId');
    assert.match(err.message, new RegExp(`${KeySpec}.*symmetric encryption keys`));
    assert.equal((await w.describe()).KeySpec, KeySpec, 'describe works');
  }
});

test('KmsWrapper: disabled or pending-deletion keys fail encrypt/decrypt with typed errors; describe works', async () => {
  const kms = client();
  const key = (await kms.createKey({})).KeyMetadata;
  const w = new KmsWrapper({ client: kms, keyId: key.KeyId });
  const blob = await w.encrypt('before');
  await kms.disableKey({ KeyId: key.KeyId }); // moto's DisableKey takes the id, not the ARN
  const enc = await w.encrypt('after').catch((e) => e);
  assert.ok(enc instanceof DisabledException, String(enc));
  assert.equal(enc.name, 'DisabledException');
  assert.ok((await w.decrypt(blob).catch((e) => e)) instanceof DisabledException, 'old blobs too');
  assert.equal((await w.describe()).KeyState, 'Disabled');
  await kms.enableKey({ KeyId: key.KeyId });
  assert.equal(text(await w.decrypt(blob)), 'before', 'enabled again');
  await kms.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
  const pending = await w.decrypt(blob).catch((e) => e);
  assert.ok(pending instanceof KMSInvalidStateException, String(pending));
  assert.match(pending.message, /PendingDeletion/);
  assert.equal((await w.describe()).KeyState, 'PendingDeletion');
});

test('audit: kms.encrypt/kms.decrypt entries from the wrapper and per-call entries from KMS, never secrets', async () => {
  const calls = [];
  const entries = [];
  const kms = client(calls);
  const key = (await kms.createKey({})).KeyMetadata;
  const w = new KmsWrapper({ client: kms, keyId: key.KeyId, onAudit: (e) => entries.push(e) });
  const plaintext = 'plaintext-that-must-not-leak';
  const blob = await w.encrypt(plaintext);
  await w.decrypt(blob);
  await w.decrypt(blob, 'wrong-aad').catch(() => {});
  assert.deepEqual(entries.map((e) => [e.action, e.ok, e.errorName]), [
    ['kms.encrypt', true, undefined],
    ['kms.decrypt', true, undefined],
    ['kms.decrypt', false, 'AuthenticationError'],
  ]);
  assert.ok(entries.every((e) => e.keyId === key.Arn));
  assert.deepEqual([...new Set(calls.map((c) => c.operation))].sort(), ['CreateKey', 'Decrypt', 'DescribeKey', 'GenerateDataKey']);
  for (const c of calls) {
    assert.equal(typeof c.durationMs, 'number');
    assert.equal(c.attempts, 1);
    assert.equal(c.httpStatus, 200);
  }
  // The throwing hook does not break the operation.
  const loud = new KmsWrapper({ client: kms, keyId: key.KeyId, onAudit: () => { throw new Error('hook'); } });
  assert.equal(text(await loud.decrypt(await loud.encrypt('ok'))), 'ok');
  // Nor does an async hook whose promise rejects (an audit sink that is down): it is dropped, not
  // left unhandled, which would end the process.
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const sinkDown = async () => { throw new Error('sink down'); };
    const asyncLoud = new KmsWrapper({ client: KMS.fromEnv(env, { onAudit: sinkDown }), keyId: key.KeyId, onAudit: sinkDown });
    assert.equal(text(await asyncLoud.decrypt(await asyncLoud.encrypt('ok'))), 'ok');
    const fromConfig = await KmsWrapper.fromConfig({ keyId: key.KeyId, onAudit: sinkDown }, wrapperEnv());
    assert.equal(text(await fromConfig.decrypt(await fromConfig.encrypt('ok'))), 'ok');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }

  const dump = JSON.stringify([entries, calls]);
  for (const secret of [plaintext, env.AWS_SECRET_ACCESS_KEY, Buffer.from(plaintext).toString('base64')]) assert.ok(!dump.includes(secret));
  // Provisioning goes through the same hook.
  await provisionKey(kms, { app: 'shop', environment: 'test', service: unique('audited') });
  assert.ok(calls.some((c) => c.operation === 'CreateAlias'));
  assert.ok(!JSON.stringify(calls).includes(env.AWS_SECRET_ACCESS_KEY));
});

// ---- credential providers ---------------------------------------------------------------------

test('fromEnv and fromFunction providers sign KMS calls; the function is cached and called once in flight', async () => {
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: fromEnv(env) });
  const { KeyMetadata } = await kms.createKey({});
  assert.ok((await kms.describeKey({ KeyId: KeyMetadata.KeyId })).KeyMetadata.Arn === KeyMetadata.Arn);
  const missing = await new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: fromEnv({}) }).listKeys({}).catch((e) => e);
  assert.equal(missing.name, 'CredentialsProviderError');

  let n = 0;
  const fn = fromFunction(async () => {
    n += 1;
    await new Promise((r) => setTimeout(r, 30));
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, expiration: new Date(Date.now() + 3600_000) };
  });
  const viaFn = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: fn });
  await Promise.all([viaFn.listKeys({}), viaFn.listKeys({}), fn(), fn(), viaFn.listAliases({})]);
  await viaFn.listKeys({});
  assert.equal(n, 1, 'one call for every concurrent and later request');
  const c = await fn();
  assert.ok(c.expiration instanceof Date);
  fn.invalidate();
  await fn();
  assert.equal(n, 2, 'invalidate forces a new call');
  assert.throws(() => fromFunction('nope'), (e) => e.field === 'credentials');
});

/** Signed call to moto with the kms-local user's key (test setup only). */
function motoClient(service) {
  return new AwsClient({ accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, region: env.AWS_REGION, service });
}

// RFC 3986 form encoding (URLSearchParams leaves `*` bare, which moto's signature check re-encodes).
const strict = (v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const form = (params) => Object.entries(params).map(([k, v]) => `${strict(k)}=${strict(v)}`).join('&');

async function createRole() {
  const iam = motoClient('iam');
  const name = unique('kms-wasm-js-role');
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'accounts.example.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  const call = async (params) => {
    const res = await iam.fetch(env.AWS_ENDPOINT_URL_KMS, { method: 'POST', body: form({ ...params, Version: '2010-05-08' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    return body;
  };
  const created = await call({ Action: 'CreateRole', RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) });
  await call({ Action: 'PutRolePolicy', RoleName: name, PolicyName: 'kms', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }) });
  return created.match(/<Arn>([^<]+)<\/Arn>/)[1];
}

async function createIdentityPool() {
  const res = await motoClient('cognito-identity').fetch(env.AWS_ENDPOINT_URL_KMS, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.CreateIdentityPool' },
    body: JSON.stringify({ IdentityPoolName: unique('kmswasm').replace(/-/g, '_'), AllowUnauthenticatedIdentities: true }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.IdentityPoolId;
}

/** Local HTTP server: `handler(req, body)` → { status, headers, body }. */
function serve(handler) {
  return localServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const out = await handler(req, Buffer.concat(chunks).toString());
    res.writeHead(out.status, out.headers ?? {});
    res.end(out.body);
  });
}

// The signing proxy in front of moto (see the top of this file).
let proxy;
const seen = [];
before(async () => {
  proxy = await serve(async (req, body) => {
    const target = req.headers['x-amz-target'];
    const op = target ? target.split('.').pop() : new URLSearchParams(body).get('Action');
    seen.push({ op, signed: 'authorization' in req.headers, body });
    const headers = { 'content-type': req.headers['content-type'] };
    if (target) headers['x-amz-target'] = target;
    const init = { method: 'POST', headers, body };
    const res = op === 'GetId' ? await fetch(env.AWS_ENDPOINT_URL_KMS, init) : await motoClient(target ? 'cognito-identity' : 'sts').fetch(env.AWS_ENDPOINT_URL_KMS, init);
    return { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'text/xml' }, body: Buffer.from(await res.arrayBuffer()) };
  });
});
after(() => proxy?.close());

test('fromWebIdentity against moto STS: unsigned call, cached role credentials sign KMS calls', async () => {
  const roleArn = await createRole();
  const token = 'eyJhbGciOiJSUzI1NiJ9.test-oidc+token/x.sig';
  const from = seen.length;
  const provider = fromWebIdentity({ roleArn, webIdentityToken: token, roleSessionName: 'js-session', region: 'us-east-1', endpoint: proxy.url, durationSeconds: 900 });
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: provider });
  const key = await kms.createKey({ Description: 'made with web identity credentials' });
  assert.match(key.KeyMetadata.Arn, /^arn:aws:kms:/);
  await kms.listKeys({});
  const c = await provider();
  assert.ok(c.sessionToken && c.accessKeyId !== env.AWS_ACCESS_KEY_ID);
  const life = c.expiration.getTime() - Date.now();
  assert.ok(life > 800_000 && life < 1_000_000, `900 s lifetime, got ${life} ms`);
  const calls = seen.slice(from);
  assert.deepEqual(calls.map((s) => [s.op, s.signed]), [['AssumeRoleWithWebIdentity', false]], 'one unsigned STS call for three uses');
  assert.ok(new URLSearchParams(calls[0].body).get('WebIdentityToken') === token, 'the token arrives intact (+ and / encoded)');

  // The same credentials without their session token are refused: moto checks the role's keys.
  const noToken = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } });
  assert.equal((await noToken.listKeys({}).catch((e) => e)).$metadata.httpStatusCode, 403);

  // A token provider is asked before each STS call.
  let asked = 0;
  const viaFn = fromWebIdentity({ roleArn, tokenProvider: async () => (asked++, token), region: 'us-east-1', endpoint: proxy.url });
  await new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: viaFn }).listKeys({});
  assert.equal(asked, 1);
});

test('fromWebIdentity / fromCognitoIdentityPool option errors name the field and leak no token', async () => {
  const t = 'very-secret-oidc-token';
  for (const [options, field] of [
    [{ webIdentityToken: t, region: 'us-east-1' }, 'roleArn'],
    [{ roleArn: 'role', webIdentityToken: t, region: 'us-east-1' }, 'roleArn'],
    [{ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: t, roleSessionName: 'a b', region: 'us-east-1' }, 'roleSessionName'],
    [{ roleArn: 'arn:aws:iam::123456789012:role/r', region: 'us-east-1' }, 'webIdentityToken'],
    [{ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: t }, 'region'],
    [{ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: t, region: 'us-east-1', durationSeconds: 60 }, 'durationSeconds'],
    [{ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: t, region: 'us-east-1', endpoint: 'http://sts.example.com' }, 'endpoint'],
    [{ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: t, region: 'us-east-1', useFipsEndpoint: 'yes' }, 'useFipsEndpoint'],
    [{ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: t, region: 'us-east-1', endpoint: 'http://127.0.0.1:2', useFipsEndpoint: true }, 'useFipsEndpoint'],
  ]) {
    const err = await fromWebIdentity(options)().catch((e) => e);
    assert.equal(err.field, field, `${JSON.stringify(options)} → ${err.message}`);
    assert.ok(!err.message.includes(t));
  }
  assert.equal((await fromCognitoIdentityPool({ identityPoolId: 'nopool' })().catch((e) => e)).field, 'identityPoolId');
  assert.equal((await fromCognitoIdentityPool({ identityPoolId: 'us-east-1:x', logins: { a: 1 } })().catch((e) => e)).field, 'logins');
  assert.equal((await fromCognitoIdentityPool({ identityPoolId: 'us-east-1:x', endpoint: 'http://127.0.0.1:2', useFipsEndpoint: true })().catch((e) => e)).field, 'useFipsEndpoint');
  // An option they do not take (misspelt, or the SDK's) is named, not dropped: the dual-stack
  // endpoint asked for would silently not be used.
  const webIdentity = { roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: t, region: 'us-east-1' };
  const cognito = { identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555', logins: { idp: () => t } };
  for (const [make, options, field] of [
    [fromWebIdentity, { ...webIdentity, useDualstackEndpoint: true }, 'useDualstackEndpoint'],
    [fromWebIdentity, { ...webIdentity, clientConfig: { region: 'eu-west-1' } }, 'clientConfig'],
    [fromCognitoIdentityPool, { ...cognito, customRoleARN: 'arn:aws:iam::123456789012:role/r' }, 'customRoleARN'],
    [fromCognitoIdentityPool, { ...cognito, loginsSource: async () => '{}' }, 'loginsSource'],
  ]) {
    const err = await make(options)().catch((e) => e);
    assert.ok(err.name === 'ConfigError' && err.field === field && err.message.includes(`${field}: `), `${field} → ${err.name}: ${err.message}`);
    assert.ok(!err.message.includes(t));
  }
  // Handed to KMS, a broken provider fails the call (nothing is sent to KMS).
  const audit = [];
  const kms = new KMS({ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: fromWebIdentity({ roleArn: 'bad', webIdentityToken: t, region: 'us-east-1' }), onAudit: (e) => audit.push(e) });
  const err = await kms.listKeys({}).catch((e) => e);
  assert.ok(err instanceof KmsWasmError && err.name === 'ConfigError' && err.field === 'roleArn', `${err.name} ${err.field}: ${err.message}`);
});

test('credentials functions: expiration as a Date, epoch ms or date string (anything else a ConfigError), thenables awaited, the missing field named', async () => {
  const base = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  const callsFor = async (expiration) => {
    let n = 0;
    const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: fromFunction(() => { n++; return { ...base, expiration }; }) });
    for (let i = 0; i < 3; i++) await kms.listKeys({});
    return n;
  };
  // Already expired, in each form: asked again for every call (an unreadable one meant "cached forever").
  for (const past of [new Date(Date.now() - 1000), Date.now() - 1000, new Date(Date.now() - 1000).toISOString()]) {
    assert.equal(await callsFor(past), 3, String(past));
  }
  for (const future of [new Date(Date.now() + 3600_000), Date.now() + 3600_000, new Date(Date.now() + 3600_000).toISOString()]) {
    assert.equal(await callsFor(future), 1, String(future));
  }
  for (const bad of ['yesterday', {}, -Infinity, new Date(NaN)]) {
    const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: () => ({ ...base, expiration: bad }) });
    const err = await kms.listKeys({}).catch((e) => e);
    assert.equal(err.field, 'credentials.expiration', `${String(bad)}: ${err.message}`);
  }
  // A thenable (or another realm's promise) is awaited, as `await` would.
  const thenable = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: () => ({ then: (resolve) => resolve(base) }) });
  assert.ok(Array.isArray((await thenable.listKeys({})).Keys));
  const noId = await new KMS({ region: env.AWS_REGION, credentials: () => ({ accessKeyId: '', secretAccessKey: 'x' }) }).listKeys({}).catch((e) => e);
  assert.equal(noId.field, 'credentials.accessKeyId');
});

test('a provider of another copy of the package signs with its own credentials, not with one of ours', async () => {
  // A second copy of the package (two versions in one bundle or process): its own wasm instance.
  const copy = mkdtempSync(join(tmpdir(), 'kms-wasm-copy-'));
  try {
    spawnSync('cp', ['-r', packageDir(), copy]);
    const other = await import(join(copy, 'pkg', 'node.js'));
    const signedWith = [];
    const server = await localServer((req, res) => {
      signedWith.push(/Credential=([^/]+)\//.exec(req.headers.authorization)?.[1]);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"Keys":[]}');
    });
    try {
      const ours = fromEnv({ AWS_ACCESS_KEY_ID: 'AKIDOURS', AWS_SECRET_ACCESS_KEY: 'ours-secret' });
      await new KMS({ region: 'us-east-1', endpoint: server.url, credentials: ours }).listKeys({});
      const theirs = other.fromEnv({ AWS_ACCESS_KEY_ID: 'AKIDTHEIRS', AWS_SECRET_ACCESS_KEY: 'their-secret' });
      await new KMS({ region: 'us-east-1', endpoint: server.url, credentials: theirs }).listKeys({});
      assert.deepEqual(signedWith, ['AKIDOURS', 'AKIDTHEIRS']);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('useFipsEndpoint sends the STS and Cognito calls to the FIPS endpoints (GovCloud STS: the regional one)', async () => {
  // No internet here: the global fetch the module calls is replaced for the test, to see where
  // each call goes; every call then fails as a network error.
  const urls = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (request) => {
    urls.push(new URL(request.url).host);
    throw new TypeError('offline');
  };
  try {
    const roleArn = 'arn:aws:iam::123456789012:role/r';
    for (const options of [
      { region: 'us-east-1', useFipsEndpoint: true },
      { region: 'us-gov-west-1', useFipsEndpoint: true },
      { region: 'eu-west-1', useFipsEndpoint: false },
    ]) {
      const err = await fromWebIdentity({ roleArn, webIdentityToken: 'token', ...options })().catch((e) => e);
      assert.equal(err.name, 'NetworkError', String(err));
    }
    for (const options of [{ useFipsEndpoint: true }, {}]) {
      const err = await fromCognitoIdentityPool({ identityPoolId: 'us-east-2:4f5c1a2b-0000-4000-8000-000000000000', ...options })().catch((e) => e);
      assert.equal(err.name, 'NetworkError', String(err));
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  // Each provider tries once per attempt it makes: compare the distinct hosts in order.
  assert.deepEqual([...new Set(urls)], [
    'sts-fips.us-east-1.amazonaws.com', 'sts.us-gov-west-1.amazonaws.com', 'sts.eu-west-1.amazonaws.com',
    'cognito-identity-fips.us-east-2.amazonaws.com', 'cognito-identity.us-east-2.amazonaws.com',
  ]);
});

test('fromCognitoIdentityPool against moto: GetId then GetCredentialsForIdentity, unsigned, cached', async () => {
  const pool = await createIdentityPool();
  const from = seen.length;
  const provider = fromCognitoIdentityPool({ identityPoolId: pool, endpoint: proxy.url });
  const [a, b] = await Promise.all([provider(), provider()]);
  assert.equal(a.accessKeyId, b.accessKeyId);
  assert.ok(a.sessionToken && a.expiration > new Date());
  await provider();
  assert.deepEqual(seen.slice(from).map((s) => [s.op, s.signed]), [['GetId', false], ['GetCredentialsForIdentity', false]], 'single flight, then cached');
  const withLogins = fromCognitoIdentityPool({ identityPoolId: pool, endpoint: proxy.url, logins: { 'accounts.google.com': 'google-id-token' } });
  await withLogins();
  assert.deepEqual(JSON.parse(seen.at(-2).body).Logins, { 'accounts.google.com': 'google-id-token' });
  // A login given as a function (as the SDK takes it) is asked at every refresh: a fresh ID token.
  let issued = 0;
  const refreshing = fromCognitoIdentityPool({ identityPoolId: pool, endpoint: proxy.url, logins: { 'accounts.google.com': async () => `id-token-${++issued}`, 'graph.facebook.com': 'fixed' } });
  await refreshing();
  assert.deepEqual(JSON.parse(seen.at(-1).body).Logins, { 'accounts.google.com': 'id-token-1', 'graph.facebook.com': 'fixed' });
  refreshing.invalidate();
  await refreshing();
  assert.deepEqual(JSON.parse(seen.at(-1).body).Logins, { 'accounts.google.com': 'id-token-2', 'graph.facebook.com': 'fixed' });
  assert.equal(JSON.parse(seen.at(-2).body).Logins['accounts.google.com'], 'id-token-1', 'the refresh before had the first token');
  // moto's Cognito hands out fixed credentials it does not register with IAM, so it refuses
  // KMS calls signed with them as an unknown key: that at least shows they were used to sign.
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: provider });
  assert.equal((await kms.listKeys({}).catch((e) => e)).$metadata.httpStatusCode, 403);
  const unknown = fromCognitoIdentityPool({ identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000', endpoint: proxy.url });
  const err = await unknown().catch((e) => e);
  // A credentials failure (moto answers an unknown pool with a 500 page), not a KMS exception.
  assert.ok(err instanceof KmsWasmError && !(err instanceof pkg.KMSServiceException), String(err));
  assert.equal(err.$metadata?.httpStatusCode, 500, String(err));
});

// Fixture: a fake STS answering with short-lived credentials, to see the refresh and the single flight.
test('fixture fromWebIdentity: refresh before expiry, one STS call in flight, STS errors named without the token', async () => {
  let requests = 0;
  let lifetime = 2000;
  let fail = false;
  const sts = await serve(async (_req, body) => {
    requests += 1;
    await new Promise((r) => setTimeout(r, 50));
    if (fail) {
      return { status: 403, headers: { 'content-type': 'text/xml' }, body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Token rejected</Message></Error><RequestId>r-1</RequestId></ErrorResponse>' };
    }
    assert.equal(new URLSearchParams(body).get('Action'), 'AssumeRoleWithWebIdentity');
    const exp = new Date(Date.now() + lifetime).toISOString();
    return { status: 200, headers: { 'content-type': 'text/xml' }, body: `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>AKIAFAKE${requests}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${exp}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>` };
  });
  try {
    const provider = fromWebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: 'fixture-token-secret', region: 'us-east-1', endpoint: sts.url });
    const all = await Promise.all(Array.from({ length: 20 }, () => provider()));
    assert.ok(all.every((c) => c.accessKeyId === 'AKIAFAKE1'));
    assert.equal(requests, 1, 'twenty callers, one request');
    // Lifetimes under 10 minutes refresh at half-life (else 5 minutes before expiry).
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await provider()).accessKeyId, 'AKIAFAKE2', 'refreshed before expiry');
    lifetime = 3600_000;
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await provider()).accessKeyId, 'AKIAFAKE3');
    assert.equal((await provider()).accessKeyId, 'AKIAFAKE3', 'an hour of life: cached');
    assert.equal(requests, 3);

    fail = true;
    const bad = fromWebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: 'fixture-token-secret', region: 'us-east-1', endpoint: sts.url });
    const err = await bad().catch((e) => e);
    assert.equal(err.name, 'InvalidIdentityToken');
    assert.ok(err instanceof KmsWasmError && !(err instanceof pkg.KMSServiceException), 'a credentials failure, not a KMS exception');
    // A refusal is not fetched again, even by a provider called by itself: one request, and the error counts it.
    assert.deepEqual([err.$metadata.httpStatusCode, err.$metadata.attempts, requests], [403, 1, 4]);
    assert.ok(!JSON.stringify({ ...err, message: err.message }).includes('fixture-token-secret'));
  } finally {
    await sts.close();
  }
});

// Fixture: STS and Cognito failing for a while, as the SDK's providers meet them on clients of their own (which retry).
test('fixture: a provider called by itself fetches again after STS or Cognito 5xx, throttling or a network fault, 3 fetches at most; a refusal once', async () => {
  const stsOk = (n) => ({ status: 200, headers: { 'content-type': 'text/xml' }, body: `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>AKIAFAKE${n}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>` });
  const stsError = (status, code) => ({ status, headers: { 'content-type': 'text/xml' }, body: `<ErrorResponse><Error><Code>${code}</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>` });
  // What STS answers, request by request (then success).
  let script = [];
  let requests = 0;
  const sts = await serve(() => {
    requests += 1;
    return script.shift() ?? stsOk(requests);
  });
  const webIdentity = (endpoint) => fromWebIdentity({ roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: 'fixture-token-secret', region: 'us-east-1', endpoint });
  const run = async (answers, endpoint = sts.url) => {
    [script, requests] = [answers, 0];
    const outcome = await webIdentity(endpoint)().catch((e) => e);
    return [outcome, requests];
  };
  try {
    let [out, n] = await run([stsError(503, 'ServiceUnavailable'), stsError(500, 'InternalFailure')]);
    assert.deepEqual([out.accessKeyId, n], ['AKIAFAKE3', 3], String(out));
    [out, n] = await run([stsError(400, 'Throttling')]);
    assert.deepEqual([out.accessKeyId, n], ['AKIAFAKE2', 2], String(out));
    [out, n] = await run([stsError(400, 'IDPCommunicationError')]);
    assert.deepEqual([out.accessKeyId, n], ['AKIAFAKE2', 2], String(out));
    [out, n] = await run(Array.from({ length: 5 }, () => stsError(503, 'ServiceUnavailable')));
    assert.deepEqual([out.name, out.$metadata.httpStatusCode, out.$metadata.attempts, n], ['ServiceUnavailable', 503, 3, 3], String(out));
    assert.ok(out.$metadata.totalRetryDelay >= 0);
    [out, n] = await run([stsError(400, 'ExpiredTokenException')]);
    assert.deepEqual([out.name, out.$metadata.attempts, n], ['ExpiredTokenException', 1, 1], 'a refusal is not fetched again');
    // Out of reach: three refused connections.
    const closed = await serve(() => stsOk(0));
    await closed.close();
    [out] = await run([], closed.url);
    assert.deepEqual([out.name, out.$metadata.attempts], ['NetworkError', 3], String(out));
  } finally {
    await sts.close();
  }
  // Cognito: GetId throttled once, then GetCredentialsForIdentity failing once.
  const cognitoScript = ['GetId', 'GetCredentialsForIdentity'];
  const ops = [];
  const cognito = await localServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const op = req.headers['x-amz-target'].split('.').pop();
      ops.push(op);
      const json = (status, body, type) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type && { 'x-amzn-errortype': type }) }).end(JSON.stringify(body));
      if (cognitoScript[0] === op) {
        cognitoScript.shift();
        return op === 'GetId' ? json(400, { message: 'slow down' }, 'TooManyRequestsException') : json(500, { message: 'oops' }, 'InternalErrorException');
      }
      if (op === 'GetId') return json(200, { IdentityId: 'us-east-1:abc' });
      json(200, { IdentityId: 'us-east-1:abc', Credentials: { AccessKeyId: 'AKIACOGNITO', SecretKey: 's', SessionToken: 't', Expiration: Date.now() / 1000 + 3600 } });
    });
  });
  try {
    const credentials = await fromCognitoIdentityPool({ identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555', endpoint: cognito.url })();
    assert.equal(credentials.accessKeyId, 'AKIACOGNITO');
    assert.deepEqual(ops, ['GetId', 'GetId', 'GetCredentialsForIdentity', 'GetCredentialsForIdentity']);
  } finally {
    await cognito.close();
  }
});

/** A fake KMS's ListKeys answer, noting the access key id and session token the request was signed with. */
function listKeysNotingSigner(req, signedWith) {
  signedWith.push([/Credential=(\w+)\//.exec(req.headers.authorization)?.[1], req.headers['x-amz-security-token']]);
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{"Keys":[],"Truncated":false}' };
}

// Fixture: STS and KMS at one fake endpoint, as a pod's web identity reaches them.
test('fixture (Node): KMS.fromEnv with no keys but AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN assumes the role with the token the file holds at each refresh, as the SDK\'s default chain', async () => {
  const sts = [];
  const signedWith = [];
  const server = await serve((req, body) => {
    const target = req.headers['x-amz-target'];
    if (!target) {
      const form = new URLSearchParams(body);
      sts.push([form.get('Action'), form.get('RoleArn'), form.get('RoleSessionName'), form.get('WebIdentityToken')]);
      const exp = new Date(Date.now() + 2000).toISOString(); // refreshed at half-life
      return { status: 200, headers: { 'content-type': 'text/xml' }, body: `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>AKIAWEBID${sts.length}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>session-${sts.length}</SessionToken><Expiration>${exp}</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>` };
    }
    return listKeysNotingSigner(req, signedWith);
  });
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-token-'));
  try {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'token-one\n');
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: server.url, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/pod', AWS_ROLE_SESSION_NAME: 'billing-pod' };
    const kms = KMS.fromEnv(env);
    assert.deepEqual((await kms.listKeys({})).Keys, []);
    writeFileSync(tokenFile, 'token-two\n'); // rotated in place, as Kubernetes does
    await new Promise((r) => setTimeout(r, 1100));
    await kms.listKeys({});
    assert.deepEqual(sts, [
      ['AssumeRoleWithWebIdentity', 'arn:aws:iam::123456789012:role/pod', 'billing-pod', 'token-one'],
      ['AssumeRoleWithWebIdentity', 'arn:aws:iam::123456789012:role/pod', 'billing-pod', 'token-two'],
    ]);
    assert.deepEqual(signedWith, [['AKIAWEBID1', 'session-1'], ['AKIAWEBID2', 'session-2']]);
    // Keys in the variables win, as in the SDK's chain; so do credentials given.
    sts.length = 0;
    await KMS.fromEnv({ ...env, AWS_ACCESS_KEY_ID: 'AKIASTATIC', AWS_SECRET_ACCESS_KEY: 's' }).listKeys({});
    await KMS.fromEnv(env, { credentials: { accessKeyId: 'AKIAGIVEN', secretAccessKey: 's' } }).listKeys({});
    assert.deepEqual([sts.length, signedWith.slice(2).map(([id]) => id)], [0, ['AKIASTATIC', 'AKIAGIVEN']]);
    // A token file that cannot be read is a credentials failure naming it, not a hang.
    const err = await KMS.fromEnv({ ...env, AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'missing') }).listKeys({}).catch((e) => e);
    assert.ok(err instanceof KmsWasmError, String(err));
    assert.match(err.message, /tokenProvider failed.*ENOENT/);
    // Read as the Rust side reads the environment (natively too): trimmed, blank as unset; half a
    // pair of keys is its ConfigError, not passed over; a bad role ARN names its variable.
    sts.length = 0;
    await KMS.fromEnv({ ...env, AWS_ACCESS_KEY_ID: '  ' }).listKeys({});
    assert.equal(sts.length, 1, 'a blank access key is no key');
    const half = await KMS.fromEnv({ ...env, AWS_SECRET_ACCESS_KEY: 's' }).listKeys({}).catch((e) => e);
    assert.deepEqual([half.name, half.field], ['ConfigError', 'AWS_ACCESS_KEY_ID'], String(half));
    const badArn = await KMS.fromEnv({ ...env, AWS_ROLE_ARN: 'arn:aws:iam::123456789012:user/not-a-role' }).listKeys({}).catch((e) => e);
    assert.deepEqual([badArn.name, badArn.field], ['ConfigError', 'AWS_ROLE_ARN'], String(badArn));
    assert.match(badArn.message, /^AWS_ROLE_ARN: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

// Fixture: a container credentials endpoint (ECS, EKS Pod Identity) on this host, and KMS.
test('fixture (Node): KMS.fromEnv with no keys but AWS_CONTAINER_CREDENTIALS_FULL_URI fetches credentials there with the authorization token file; an http URL elsewhere is refused', async () => {
  const asked = [];
  const signedWith = [];
  let failures = 0;
  let empty = false;
  const server = await serve((req) => {
    if (req.url.startsWith('/creds')) {
      asked.push(req.headers.authorization);
      if (failures > 0) {
        failures -= 1;
        return { status: 500, body: 'starting' };
      }
      if (empty) return { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
      if (req.headers.authorization !== 'pod-token') return { status: 403, body: 'no' };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ AccessKeyId: 'AKIACONTAINER', SecretAccessKey: 's', Token: 'container-session', Expiration: new Date(Date.now() + 3600_000).toISOString() }) };
    }
    return listKeysNotingSigner(req, signedWith);
  });
  const dir = mkdtempSync(join(tmpdir(), 'kms-wasm-container-'));
  try {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'pod-token\n');
    const env = { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_KMS: server.url, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile };
    const kms = KMS.fromEnv(env);
    await kms.listKeys({});
    await kms.listKeys({});
    assert.deepEqual([asked, signedWith], [['pod-token'], [['AKIACONTAINER', 'container-session'], ['AKIACONTAINER', 'container-session']]], 'fetched once, cached');
    const wrongToken = await KMS.fromEnv({ ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: undefined, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'stale' }).listKeys({}).catch((e) => e);
    assert.match(String(wrongToken.message), /answered HTTP 403/);
    assert.equal(asked.length, 2, 'a refusal is not asked again');
    // Only https, or http to this host or the ECS and EKS agents (a name that merely starts
    // with 127. is elsewhere); no user name or password in it.
    for (const full of ['http://example.com/creds', 'file:///etc/passwd', 'not a url', 'http://127.attacker.example/creds', 'http://127.0.0.1.nip.io/creds', `http://user:PASSWORD@127.0.0.1:${new URL(server.url).port}/creds`]) {
      const refused = await KMS.fromEnv({ ...env, AWS_CONTAINER_CREDENTIALS_FULL_URI: full }).listKeys({}).catch((e) => e);
      assert.match(String(refused.message), /AWS_CONTAINER_CREDENTIALS_FULL_URI: must be an https URL/, full);
      assert.ok(!String(refused.message).includes('PASSWORD'), full);
    }
    assert.equal(asked.length, 2, 'nothing fetched from a refused URL');
    // A token with a line break is refused without being quoted (fetch's own error would quote it).
    const broken = await KMS.fromEnv({ ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: undefined, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'pod-SECRET\r\nx' }).listKeys({}).catch((e) => e);
    assert.match(String(broken.message), /AWS_CONTAINER_AUTHORIZATION_TOKEN: the token holds a line break/);
    assert.ok(!JSON.stringify({ m: broken.message, c: String(broken.cause?.message) }).includes('SECRET'));
    // A passing failure (the agent starting) is asked again, as the SDK's fromHttp does; an
    // answer without credentials is refused.
    failures = 1;
    assert.deepEqual((await KMS.fromEnv(env).listKeys({})).Keys, []);
    assert.equal(asked.length, 4, 'a 500, then the credentials');
    empty = true;
    const without = await KMS.fromEnv(env).listKeys({}).catch((e) => e);
    assert.match(String(without.message), /answered without credentials/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('fixture: a provider\'s requestTimeout bounds each STS or Cognito request (a client\'s covers only its KMS calls); a bad one is a ConfigError', async () => {
  const silent = await serve(() => new Promise(() => {})); // never answers
  try {
    const options = { roleArn: 'arn:aws:iam::123456789012:role/r', webIdentityToken: 't', region: 'us-east-1', endpoint: silent.url };
    for (const provider of [fromWebIdentity({ ...options, requestTimeout: 200 }), fromCognitoIdentityPool({ identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000', endpoint: silent.url, requestTimeout: 200 })]) {
      const started = Date.now();
      const err = await provider().catch((e) => e);
      // Called by itself, it tries 3 times, as the SDK's providers (on clients of their own) do.
      assert.deepEqual([err.name, err.$metadata.attempts], ['TimeoutError', 3], String(err));
      assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
    }
    for (const requestTimeout of [0, -1, 1.5, 'soon']) {
      const err = await fromWebIdentity({ ...options, requestTimeout })().catch((e) => e);
      assert.equal(err.field, 'requestTimeout', `${requestTimeout}: ${err.message}`);
    }
  } finally {
    await silent.close();
  }
});

test('types: tsc --strict accepts code using the deployment API', () => {
  const project = mkdtempSync(join(tmpdir(), 'kms-wasm-deploy-types-'));
  try {
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(packageDir(), join(project, 'node_modules', 'kms-wasm'), 'dir');
    writeFileSync(join(project, 'example.ts'), `
import { KMS, KmsWrapper, provisionKey, retireKey, fromWebIdentity, fromCognitoIdentityPool, fromEnv, fromFunction, DisabledException,
  type ProvisionedKey, type WrapperAuditEvent, type CredentialsProvider, type KeyMetadata, type RetiredKey } from 'kms-wasm';
export async function demo(env: Record<string, string | undefined>): Promise<string> {
  const kms = new KMS({ region: 'us-east-1', credentials: fromWebIdentity({ roleArn: 'arn:aws:iam::1:role/r', tokenProvider: async () => 'jwt', region: 'us-east-1', useFipsEndpoint: true }) });
  const p: ProvisionedKey = await provisionKey(kms, { app: 'a', environment: 'e', service: 's', tags: { team: 'x' }, keySpec: 'SYMMETRIC_DEFAULT', rotationPeriodInDays: 180 });
  const created: Date | undefined = p.KeyMetadata.CreationDate;
  const keyId: string = p.variables['S_KEY_ID'] ?? p.KeyMetadata.KeyId;
  const r: RetiredKey = await retireKey(kms, p.AliasName, 7);
  const log: WrapperAuditEvent[] = [];
  const w = await KmsWrapper.fromConfig({ keyId, onAudit: (e) => log.push(e) }, env);
  const w2 = new KmsWrapper({ client: kms, keyId });
  const blob: Uint8Array = await w.encrypt('x', 'aad');
  const plain: Uint8Array = await w2.decrypt(blob);
  const meta: KeyMetadata = await w.describe();
  const providers: CredentialsProvider[] = [fromEnv(env), fromCognitoIdentityPool({ identityPoolId: 'us-east-1:x', logins: { 'accounts.google.com': 't' }, useFipsEndpoint: false }),
    fromFunction(async () => ({ accessKeyId: 'a', secretAccessKey: 's', expiration: new Date() })),
    fromFunction(() => ({ accessKeyId: 'a', secretAccessKey: 's', expiration: '2030-01-01T00:00:00Z' })),
    fromFunction(() => ({ accessKeyId: 'a', secretAccessKey: 's', expiration: Date.now() + 3600_000 }))];
  providers[0]!.invalidate();
  try { await w.encrypt(plain); } catch (e) { if (e instanceof DisabledException) return e.name; }
  return [created?.toISOString(), r.DeletionDate?.toISOString(), meta.KeyState, await KmsWrapper.keyIdOf(blob), (await providers[1]!()).accessKeyId].join();
}
`);
    const r = typecheck(project, ['example.ts'], { noEmit: true, module: 'es2022', moduleResolution: 'bundler' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('credentials audit fixes: fromEnv().invalidate() reads the environment again; a credentials function\'s own error is the cause; a Worker\'s boolean [vars] are read, not dropped', async () => {
  // Keys rotated in the environment are seen after invalidate(), as the SDK's fromEnv sees them.
  const live = { AWS_ACCESS_KEY_ID: 'AKIA_OLD', AWS_SECRET_ACCESS_KEY: 'old-secret' };
  const provider = fromEnv(live);
  assert.equal((await provider()).accessKeyId, 'AKIA_OLD');
  Object.assign(live, { AWS_ACCESS_KEY_ID: 'AKIA_NEW', AWS_SECRET_ACCESS_KEY: 'new-secret' });
  assert.equal((await provider()).accessKeyId, 'AKIA_OLD', 'cached until invalidated');
  provider.invalidate();
  assert.equal((await provider()).accessKeyId, 'AKIA_NEW');

  // What the caller's function threw is kept as the cause, class and all (the SDK rejects with it).
  class VaultSealedError extends Error {}
  const sealed = new VaultSealedError('vault is sealed');
  const kms = new KMS({ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: async () => { throw sealed; } });
  const err = await kms.listKeys({}).catch((e) => e);
  assert.deepEqual([err.name, err.cause], ['CredentialsProviderError', sealed]);

  // `AWS_USE_FIPS_ENDPOINT = true` in wrangler.toml is a boolean binding: it is read (here it
  // conflicts with the custom endpoint, a ConfigError naming it), not silently dropped.
  const workerEnv = { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:2', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's', AWS_USE_FIPS_ENDPOINT: true, KV: {} };
  const conflict = await KMS.fromEnv(workerEnv, { maxAttempts: 1 }).listKeys({}).catch((e) => e);
  assert.deepEqual([conflict.name, conflict.field], ['ConfigError', 'AWS_USE_FIPS_ENDPOINT'], conflict.message);
  const off = await KMS.fromEnv({ ...workerEnv, AWS_USE_FIPS_ENDPOINT: false }, { maxAttempts: 1 }).listKeys({}).catch((e) => e);
  assert.equal(off.name, 'NetworkError', 'false is read as false');
});

test('a Cognito login token leaves no copy in wasm memory beyond the provider\'s own, whether GetId is refused or GetCredentialsForIdentity is', async () => {
  const { memory } = await pkg.ready();
  const copiesInWasm = (needle) => copiesInMemory(memory, needle);
  for (const refused of ['GetId', 'GetCredentialsForIdentity']) {
    const server = await localServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const op = req.headers['x-amz-target'].split('.').pop();
        if (op !== refused) return res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"IdentityId":"us-east-1:abc"}');
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'NotAuthorizedException' }).end('{"message":"no"}');
      });
    });
    try {
      const token = `login-token-${refused}-${'t'.repeat(500)}`;
      const provider = fromCognitoIdentityPool({ identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555', logins: { 'cognito-idp.us-east-1.amazonaws.com/us-east-1_x': token }, endpoint: server.url });
      const e = await provider().catch((e) => e);
      assert.equal(e.name, 'NotAuthorizedException', `${refused} refused: ${e}`);
      assert.equal(copiesInWasm(token), 1, `${refused} refused: only the provider's own copy stays`);
    } finally {
      await server.close();
    }
  }
});
