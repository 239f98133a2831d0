// A Worker as a user writes it: encrypts a request body under the KMS keyring configured from env
// bindings and decrypts it again. `workerd test` runs test(), which calls fetch() like a request would.
import { KMS, KmsKeyring, encrypt, decrypt } from 'kms-wasm';
import { abortedInFlight } from './app.mjs';

const worker = {
  async fetch(request, env) {
    const kms = KMS.fromEnv(env);
    const keyring = new KmsKeyring({ client: kms, generatorKeyId: env.KEY_ARN });
    const body = new Uint8Array(await request.arrayBuffer());
    const { result } = await encrypt(keyring, body, { encryptionContext: { path: new URL(request.url).pathname } });
    const { plaintext, messageHeader } = await decrypt(keyring, result);
    return Response.json({ size: result.length, same: plaintext.length === body.length && plaintext.every((b, i) => b === body[i]), context: messageHeader.encryptionContext.path });
  },
  async test(controller, env) {
    const body = new TextEncoder().encode('x'.repeat(100_000));
    const res = await worker.fetch(new Request('http://worker.local/upload', { method: 'POST', body }), env);
    const out = await res.json();
    if (!out.same || out.context !== '/upload' || out.size <= body.length) throw new Error(`worker round trip failed: ${JSON.stringify(out)}`);
    const aborted = await abortedInFlight(env);
    if (aborted !== 'AbortError') throw new Error(`an aborted call ended with ${aborted}`);
    console.log('packaged worker: envelope round trip and abort passed');
  },
};
export default worker;
