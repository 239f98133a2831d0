// KMS call overhead against kms-local: the same Encrypt call made N times, sequentially,
// through kms-wasm, @aws-sdk/client-kms and aws4fetch, in one process.
import { KMS as SdkKMS } from '@aws-sdk/client-kms';
import { AwsClient } from 'aws4fetch';
import { importPackage, localEnv } from '../js/helpers.mjs';

const N = 300;
const env = localEnv();
const creds = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
const { KMS } = await importPackage();
const ours = KMS.fromEnv(env);
const keyId = (await ours.createKey({})).KeyMetadata.KeyId;
const plaintext = new Uint8Array(64).fill(1);
const sdk = new SdkKMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: creds });
const a4f = new AwsClient({ ...creds, region: env.AWS_REGION, service: 'kms' });
const a4fEncrypt = async () => {
  const res = await a4f.fetch(`${env.AWS_ENDPOINT_URL_KMS}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' },
    body: JSON.stringify({ KeyId: keyId, Plaintext: Buffer.from(plaintext).toString('base64') }),
  });
  if (!res.ok) throw new Error(`aws4fetch ${res.status}`);
  return res.json();
};
const cases = [
  ['kms-wasm', () => ours.encrypt({ KeyId: keyId, Plaintext: plaintext })],
  ['@aws-sdk/client-kms', () => sdk.encrypt({ KeyId: keyId, Plaintext: plaintext })],
  ['aws4fetch (signing + fetch, no typed shapes)', a4fEncrypt],
];
const results = [];
for (const [name, call] of cases) {
  for (let i = 0; i < 20; i++) await call(); // warm up
  const t = performance.now();
  for (let i = 0; i < N; i++) await call();
  results.push([name, (performance.now() - t) / N]);
}
console.log(`\n## KMS Encrypt against kms-local, ${N} sequential calls (ms per call, lower is better)\n`);
console.log('| client | ms/call | kms-wasm time ÷ this |');
console.log('| --- | ---: | ---: |');
for (const [name, ms] of results) console.log(`| ${name} | ${ms.toFixed(2)} | ${(results[0][1] / ms).toFixed(2)} |`);
console.log('\n(Most of each call is moto answering; the differences are client overhead: signing, serialization, transport.)');
