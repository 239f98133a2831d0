// Command-line demo: a key and alias, then an encrypt/decrypt round trip, each step printed.
import { KMS } from '../pkg/node.js';

const kms = KMS.fromEnv(process.env, { onAudit: (e) => console.log(`   audit: ${e.operation} ${e.httpStatus} ${e.durationMs} ms, request ${e.requestId}`) });
const step = (s) => console.log(`\n== ${s}`);

step(`KMS endpoint ${process.env.AWS_ENDPOINT_URL_KMS} (signatures checked)`);
step('CreateKey');
const { KeyMetadata } = await kms.createKey({ Description: 'kms-wasm demo key' });
console.log(`   key ${KeyMetadata.Arn}`);
const alias = `alias/kms-wasm/demo-${Date.now()}`;
step(`CreateAlias ${alias}`);
await kms.createAlias({ AliasName: alias, TargetKeyId: KeyMetadata.KeyId });
const message = 'Hello from kms-wasm!';
const context = { purpose: 'demo' };
step(`Encrypt "${message}" under ${alias} with encryption context ${JSON.stringify(context)}`);
const { CiphertextBlob } = await kms.encrypt({ KeyId: alias, Plaintext: new TextEncoder().encode(message), EncryptionContext: context });
console.log(`   ${CiphertextBlob.length} bytes of ciphertext: ${Buffer.from(CiphertextBlob).toString('base64').slice(0, 48)}…`);
step('Decrypt');
const { Plaintext, KeyId } = await kms.decrypt({ CiphertextBlob, EncryptionContext: context });
console.log(`   "${new TextDecoder().decode(Plaintext)}" (key ${KeyId})`);
step('Decrypt with the wrong encryption context');
try {
  await kms.decrypt({ CiphertextBlob, EncryptionContext: { purpose: 'other' } });
} catch (e) {
  console.log(`   refused: ${e.name}: ${e.message}`);
}
