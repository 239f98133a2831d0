// Node example: a key, an envelope-encrypted file and its decryption, configured from process.env.
// Run: pkg-scripts/example node
import { readFile, writeFile } from 'node:fs/promises';
import { KMS, KmsKeyring, encrypt, decrypt } from 'kms-wasm';

const kms = KMS.fromEnv(process.env);
const keyId = process.env.KEY_ID ?? (await kms.createKey({ Description: 'node example' })).KeyMetadata.Arn;
const keyring = new KmsKeyring({ client: kms, generatorKeyId: keyId });

const input = new URL(import.meta.url).pathname; // encrypt this very file
const plaintext = await readFile(input);
const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: { file: 'index.mjs' } });
await writeFile('/tmp/kms-wasm-example.encrypted', result);
console.log(`encrypted ${plaintext.length} bytes → ${result.length} bytes (suite 0x${messageHeader.suiteId.toString(16)}, key ${keyId})`);
const back = await decrypt(keyring, await readFile('/tmp/kms-wasm-example.encrypted'), { encryptionContext: { file: 'index.mjs' } });
console.log(`decrypted: ${Buffer.compare(Buffer.from(back.plaintext), plaintext) === 0 ? 'same bytes' : 'DIFFERENT'}`);
