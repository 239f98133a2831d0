// Scenarios written against @aws-sdk/client-kms, one with its aggregated `KMS` client and one
// with `KMSClient` and commands, each run twice against the same local KMS: once on the AWS SDK,
// once on kms-wasm with only the import swapped. Both runs must observe the same results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as awsSdk from '@aws-sdk/client-kms';
import { localEnv, importPackage } from './helpers.mjs';

const bytes = (s) => new TextEncoder().encode(s);
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The same configuration either SDK's client takes: kms-local's region, endpoint and keys. */
function localConfig() {
  const env = localEnv();
  return {
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_KMS,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
}

/** What a failing call shows a caller: its name, class, fault and HTTP status. */
async function failure(call, NotFoundException) {
  try {
    await call;
    return 'no error';
  } catch (e) {
    return { name: e.name, isClass: e instanceof NotFoundException, fault: e.$fault, status: e.$metadata.httpStatusCode };
  }
}

async function scenario({ KMS, NotFoundException }) {
  const kms = new KMS(localConfig());
  const r = {};
  const { KeyMetadata: key } = await kms.createKey({ Description: 'swap test', Tags: [{ TagKey: 'suite', TagValue: 'swap' }] });
  r.createKey = { enabled: key.Enabled, spec: key.KeySpec, dateIsDate: key.CreationDate instanceof Date };
  const alias = `alias/swap/${key.KeyId.slice(0, 8)}`;
  await kms.createAlias({ AliasName: alias, TargetKeyId: key.KeyId });

  const enc = await kms.encrypt({ KeyId: alias, Plaintext: bytes('swap me'), EncryptionContext: { k: 'v' } });
  r.encrypt = { keyId: enc.KeyId === key.Arn, blobIsBytes: enc.CiphertextBlob instanceof Uint8Array, status: enc.$metadata.httpStatusCode, hasRequestId: typeof enc.$metadata.requestId === 'string' };
  const dec = await kms.decrypt({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { k: 'v' } });
  r.decrypt = { plaintext: new TextDecoder().decode(dec.Plaintext), keyId: dec.KeyId === key.Arn };

  const dk = await kms.generateDataKey({ KeyId: key.KeyId, KeySpec: 'AES_256' });
  const dkBack = await kms.decrypt({ CiphertextBlob: dk.CiphertextBlob });
  r.generateDataKey = { length: dk.Plaintext.length, decryptsBack: same(dk.Plaintext, dkBack.Plaintext) };

  const { KeyMetadata: signKey } = await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const message = bytes('a message to sign');
  const sig = await kms.sign({ KeyId: signKey.KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
  const ok = await kms.verify({ KeyId: signKey.KeyId, Message: message, MessageType: 'RAW', Signature: sig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' });
  r.signVerify = { algorithm: sig.SigningAlgorithm, valid: ok.SignatureValid };

  const { KeyMetadata: macKey } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const mac = await kms.generateMac({ KeyId: macKey.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' });
  const macOk = await kms.verifyMac({ KeyId: macKey.KeyId, Message: message, Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' });
  r.mac = { length: mac.Mac.length, valid: macOk.MacValid };

  const aliases = await kms.listAliases({ KeyId: key.KeyId });
  r.listAliases = aliases.Aliases.map((a) => a.AliasName === alias);

  const described = await kms.describeKey({ KeyId: alias });
  r.describeKey = { sameKey: described.KeyMetadata.KeyId === key.KeyId, state: described.KeyMetadata.KeyState, description: described.KeyMetadata.Description };

  r.notFound = await failure(kms.describeKey({ KeyId: 'alias/swap/none-such' }), NotFoundException);
  // Per-call options: a live signal changes nothing, a fired one fails the call.
  const live = new AbortController();
  r.liveSignal = (await kms.describeKey({ KeyId: alias }, { abortSignal: live.signal })).KeyMetadata.KeyId === key.KeyId;
  r.firedSignal = await kms.describeKey({ KeyId: alias }, { abortSignal: AbortSignal.abort() }).then(() => 'no error', (e) => e.name);
  return r;
}

test('a scenario written for @aws-sdk/client-kms gives the same results on kms-wasm', async () => {
  const theirs = await scenario(awsSdk);
  const ours = await scenario(await importPackage());
  assert.deepEqual(ours, theirs);
  // And the scenario did observe real results (not two identical failures).
  assert.equal(ours.decrypt.plaintext, 'swap me');
  assert.equal(ours.signVerify.valid, true);
  assert.equal(ours.mac.valid, true);
  assert.equal(ours.notFound.name, 'NotFoundException');
  assert.deepEqual([ours.liveSignal, ours.firedSignal], [true, 'AbortError']);
});

async function commandScenario({ KMSClient, CreateKeyCommand, EncryptCommand, DecryptCommand, DescribeKeyCommand, ListKeysCommand, NotFoundException, paginateListKeys }) {
  const client = new KMSClient(localConfig());
  const r = {};
  const command = new EncryptCommand({ KeyId: 'x', Plaintext: bytes('p') });
  r.command = { input: Object.keys(command.input) };
  const { KeyMetadata: key } = await client.send(new CreateKeyCommand({ Description: 'command swap test' }));
  const enc = await client.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: bytes('sent as a command'), EncryptionContext: { c: '1' } }));
  const dec = await client.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { c: '1' } }));
  r.roundTrip = { plaintext: new TextDecoder().decode(dec.Plaintext), keyId: dec.KeyId === key.Arn, status: dec.$metadata.httpStatusCode };
  const described = await client.send(new DescribeKeyCommand({ KeyId: key.Arn }));
  r.describe = { sameKey: described.KeyMetadata.KeyId === key.KeyId, dateIsDate: described.KeyMetadata.CreationDate instanceof Date };
  const listed = await client.send(new ListKeysCommand({}));
  r.listKeys = listed.Keys.some((k) => k.KeyId === key.KeyId);
  let pages = 0;
  for await (const page of paginateListKeys({ client, pageSize: 50 }, {})) pages += page.Keys.length > 0 ? 1 : 0;
  r.paginatorTakesTheClient = pages > 0;
  r.notFound = await failure(client.send(new DescribeKeyCommand({ KeyId: 'alias/swap/none-such' })), NotFoundException);
  const live = new AbortController();
  r.liveSignal = (await client.send(new DescribeKeyCommand({ KeyId: key.Arn }), { abortSignal: live.signal })).KeyMetadata.KeyId === key.KeyId;
  r.firedSignal = await client.send(new ListKeysCommand({}), { abortSignal: AbortSignal.abort() }).then(() => 'no error', (e) => e.name);
  return r;
}

test('a scenario written with KMSClient and commands gives the same results on kms-wasm', async () => {
  const theirs = await commandScenario(awsSdk);
  const ours = await commandScenario(await importPackage());
  assert.deepEqual(ours, theirs);
  assert.equal(ours.roundTrip.plaintext, 'sent as a command');
  assert.equal(ours.notFound.name, 'NotFoundException');
  assert.deepEqual([ours.liveSignal, ours.firedSignal], [true, 'AbortError']);
});
