// A Worker that uses the built package the way a Cloudflare Worker would: the
// `workerd` entry, configured from env bindings. `workerd test` calls `test()`.
import { KMS, NotFoundException } from './kms-wasm/workerd.js';

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

export default {
  async test(controller, env) {
    const kms = KMS.fromEnv(env);
    const { KeyMetadata } = await kms.createKey({ Description: 'workerd test' });
    check(KeyMetadata.CreationDate instanceof Date, 'CreationDate is a Date');
    const plaintext = new TextEncoder().encode('hello from workerd');
    const enc = await kms.encrypt({ KeyId: KeyMetadata.Arn, Plaintext: plaintext, EncryptionContext: { runtime: 'workerd' } });
    check(enc.CiphertextBlob instanceof Uint8Array && enc.CiphertextBlob.length > plaintext.length, 'ciphertext blob');
    const dec = await kms.decrypt({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { runtime: 'workerd' } });
    check(new TextDecoder().decode(dec.Plaintext) === 'hello from workerd', 'decrypt round trip');
    const dk = await kms.generateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' });
    check(dk.Plaintext.length === 32, 'data key is 32 bytes');
    const back = await kms.decrypt({ CiphertextBlob: dk.CiphertextBlob });
    check(back.Plaintext.every((b, i) => b === dk.Plaintext[i]), 'data key decrypts back');
    let error;
    try { await kms.describeKey({ KeyId: 'alias/does-not-exist' }); } catch (e) { error = e; }
    check(error instanceof NotFoundException && error.name === 'NotFoundException' && error.$metadata.httpStatusCode === 400, `NotFoundException, got ${error}`);
    const bad = new KMS({ region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_KMS, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: 'wrong' } });
    try { await bad.listKeys({}); error = undefined; } catch (e) { error = e; }
    check(error && error.$metadata.httpStatusCode === 403, `wrong secret gives 403, got ${error}`);
    // A redirect is an error after one attempt, not followed (the test's server counts who was reached).
    const redirected = new KMS({ region: env.AWS_REGION, endpoint: env.REDIRECT_ENDPOINT, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: 'x', sessionToken: 'SESSION-TOKEN' } });
    for (const status of [302, 307]) {
      try { await redirected.encrypt({ KeyId: String(status), Plaintext: plaintext }); error = undefined; } catch (e) { error = e; }
      check(error && error.name === 'Redirect' && error.$metadata.httpStatusCode === status && error.$metadata.attempts === 1, `${status} gives Redirect after one attempt, got ${error}`);
    }
    console.log('workerd: KMS round trips passed');
  },
};
