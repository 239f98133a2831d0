// Cold start in Node, as a serverless function or a CLI meets it: a fresh process imports the
// library (as installed, unbundled) and makes its first call. Each case runs in RUNS fresh
// processes, the cases taking turns so that the machine's drift spreads over all of them; medians.
//   KMS: one Encrypt against kms-local (kms-wasm, @aws-sdk/client-kms, aws4fetch).
//   Envelope: encrypt and decrypt 1 KiB with a raw AES keyring, suite 0x0578 (kms-wasm,
//   @aws-crypto/client-node).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importPackage, localEnv, packageDir, repoPath } from '../js/helpers.mjs';

const RUNS = 15;
const env = localEnv();
const ours = pathToFileURL(join(packageDir(), 'node.js')).href;
const { KMS } = await importPackage();
const keyId = (await KMS.fromEnv(env).createKey({})).KeyMetadata.KeyId;
const options = { region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
const given = `const options = ${JSON.stringify(options)}, keyId = ${JSON.stringify(keyId)}, plaintext = new Uint8Array(1024).fill(7), key = new Uint8Array(32).fill(9);`;

// Each program sets `loaded` once its imports are done and `done` after the first call.
const KMS_CASES = [
  ['kms-wasm', `const { KMS } = await import(${JSON.stringify(ours)}); loaded = performance.now();
    await new KMS(options).encrypt({ KeyId: keyId, Plaintext: plaintext.subarray(0, 64) });`],
  ['@aws-sdk/client-kms', `const { KMSClient, EncryptCommand } = await import('@aws-sdk/client-kms'); loaded = performance.now();
    await new KMSClient(options).send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext.subarray(0, 64) }));`],
  ['aws4fetch', `const { AwsClient } = await import('aws4fetch'); loaded = performance.now();
    const res = await new AwsClient({ ...options.credentials, region: options.region, service: 'kms' }).fetch(options.endpoint + '/', { method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' },
      body: JSON.stringify({ KeyId: keyId, Plaintext: Buffer.from(plaintext.subarray(0, 64)).toString('base64') }) });
    if (!res.ok) throw new Error('aws4fetch ' + res.status); await res.json();`],
];
const ENVELOPE_CASES = [
  ['kms-wasm', `const { encrypt, decrypt, RawAesKeyring } = await import(${JSON.stringify(ours)}); loaded = performance.now();
    const keyring = new RawAesKeyring({ keyName: 'k', keyNamespace: 'bench', wrappingKey: key });
    const { result } = await encrypt(keyring, plaintext, { encryptionContext: { purpose: 'bench' } });
    const { plaintext: back } = await decrypt(keyring, result); if (back.length !== 1024) throw new Error('round trip');`],
  ['@aws-crypto/client-node', `const esdk = await import('@aws-crypto/client-node'); loaded = performance.now();
    const { encrypt, decrypt } = esdk.buildClient(esdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const keyring = new esdk.RawAesKeyringNode({ keyName: 'k', keyNamespace: 'bench', unencryptedMasterKey: key, wrappingSuite: esdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
    const { result } = await encrypt(keyring, plaintext, { encryptionContext: { purpose: 'bench' }, suiteId: esdk.AlgorithmSuiteIdentifier.ALG_AES256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 });
    const { plaintext: back } = await decrypt(keyring, result); if (back.length !== 1024) throw new Error('round trip');`],
];

/** One fresh process: ms to import (from the program's first line) and ms of the first call. */
function once(program) {
  const script = `${given} const start = performance.now(); let loaded; ${program}
    console.log(JSON.stringify({ load: loaded - start, call: performance.now() - loaded }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoPath('tests'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cold start run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function measure(title, cases) {
  const runs = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) cases.forEach(([, program], c) => runs[c].push(once(program)));
  const rows = cases.map(([name], c) => {
    const load = median(runs[c].map((r) => r.load));
    const call = median(runs[c].map((r) => r.call));
    return { name, load, call, total: median(runs[c].map((r) => r.load + r.call)) };
  });
  console.log(`\n## ${title}\n`);
  console.log('| library | import (ms) | first call (ms) | import + first call (ms) | kms-wasm time ÷ this |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.load.toFixed(1)} | ${r.call.toFixed(1)} | ${r.total.toFixed(1)} | ${(rows[0].total / r.total).toFixed(2)} |`);
}

console.log(`\n# Cold start in Node ${process.version}: a fresh process per run, medians of ${RUNS} (libraries as installed, unbundled)`);
measure('First KMS Encrypt against kms-local', KMS_CASES);
measure('First envelope round trip, 1 KiB, raw AES keyring, suite 0x0578', ENVELOPE_CASES);
