// Node example: a key, an envelope-encrypted file and its decryption, configured from process.env.
// Run: pkg-scripts/example node
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KMS, KmsKeyring, encrypt, decrypt } from 'kms-wasm';

const kms = KMS.fromEnv(process.env);
const keyId = process.env.KEY_ID ?? (await kms.createKey({ Description: 'node example' })).KeyMetadata.Arn;
const keyring = new KmsKeyring({ client: kms, generatorKeyId: keyId });

const input = fileURLToPath(import.meta.url); // encrypt this very file (a URL's pathname keeps %20 for a space)
const plaintext = await readFile(input);
const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: { file: 'index.mjs' } });
const dir = await mkdtemp(join(tmpdir(), 'kms-wasm-example-'));
const encryptedPath = join(dir, 'index.mjs.encrypted');
await writeFile(encryptedPath, result);
console.log(`encrypted ${plaintext.length} bytes → ${result.length} bytes (suite 0x${messageHeader.suiteId.toString(16)}, key ${keyId})`);
const back = await decrypt(keyring, await readFile(encryptedPath), { encryptionContext: { file: 'index.mjs' } });
await rm(dir, { recursive: true });
console.log(`decrypted: ${Buffer.compare(Buffer.from(back.plaintext), plaintext) === 0 ? 'same bytes' : 'DIFFERENT'}`);
