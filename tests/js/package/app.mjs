// A user's app: imports the installed package by name and does KMS calls plus an envelope round trip.
// Runs as-is in Node and, bundled or through an import map, in a browser page.
import { KMS, KmsKeyring, RawAesKeyring, encrypt, decrypt, NotFoundException, ready } from 'kms-wasm';

export async function run(env) {
  await ready();
  const kms = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } });
  const { KeyMetadata } = await kms.createKey({ Description: 'package test' });
  const text = new TextEncoder().encode('packed and installed');
  const { CiphertextBlob } = await kms.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: text });
  const { Plaintext } = await kms.decrypt({ CiphertextBlob });
  let notFound = '';
  try { await kms.describeKey({ KeyId: 'alias/none-such' }); } catch (e) { notFound = e instanceof NotFoundException ? e.name : `wrong class ${e}`; }
  const keyring = new KmsKeyring({ client: kms, generatorKeyId: KeyMetadata.Arn });
  // Signed, and large enough (3 MiB) that browsers hash it in the hash worker.
  const big = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 255);
  const { result, messageHeader } = await encrypt(keyring, big, { encryptionContext: { app: 'package-test' } });
  const back = await decrypt(keyring, result, { encryptionContext: { app: 'package-test' } });
  // Aborting, as @aws-sdk's abortSignal: a signal that already fired sends nothing, and one that
  // fires mid-call ends the call as well.
  const fired = await kms.listKeys({}, { abortSignal: AbortSignal.abort() }).then(() => 'completed', (e) => e.name);
  const inFlight = await abortedInFlight(env);
  const raw = new RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32).fill(1) });
  const rawBack = await decrypt(raw, (await encrypt(raw, text)).result);
  return {
    kmsRoundTrip: new TextDecoder().decode(Plaintext),
    notFound,
    suite: messageHeader.suiteId,
    envelopeRoundTrip: back.plaintext.length === big.length && back.plaintext.every((b, i) => b === big[i]),
    rawRoundTrip: new TextDecoder().decode(rawBack.plaintext),
    aborted: [fired, inFlight],
  };
}

/** How a call aborted in flight ends: its signal fires from the credentials function, which runs inside the call. */
export async function abortedInFlight(env) {
  const midCall = new AbortController();
  const kms = new KMS({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_KMS,
    credentials: async () => {
      midCall.abort();
      return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
    },
  });
  return kms.listKeys({}, { abortSignal: midCall.signal }).then(() => 'completed', (e) => e.name);
}

export const expected = { kmsRoundTrip: 'packed and installed', notFound: 'NotFoundException', suite: 0x0578, envelopeRoundTrip: true, rawRoundTrip: 'packed and installed', aborted: ['AbortError', 'AbortError'] };
