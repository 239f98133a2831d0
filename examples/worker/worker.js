// Worker example: POST /encrypt returns an Encryption SDK message of the body, POST /decrypt the
// plaintext of one. Configured from env bindings: AWS_REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_KMS (optional) and KEY_ARN.
// Run: pkg-scripts/example worker
// As it stands it decrypts for anyone who can reach it: put it behind your own authentication.
import { KMS, KmsKeyring, encrypt, decrypt } from 'kms-wasm';

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method !== 'POST') return new Response('POST /encrypt or /decrypt\n', { status: 405 });
    const keyring = new KmsKeyring({ client: KMS.fromEnv(env), generatorKeyId: env.KEY_ARN });
    const body = new Uint8Array(await request.arrayBuffer());
    try {
      if (pathname === '/encrypt') {
        const { result } = await encrypt(keyring, body, { encryptionContext: { service: 'worker-example' } });
        return new Response(result, { headers: { 'content-type': 'application/octet-stream' } });
      }
      if (pathname === '/decrypt') {
        const { plaintext } = await decrypt(keyring, body, { encryptionContext: { service: 'worker-example' } });
        return new Response(plaintext);
      }
      return new Response('not found\n', { status: 404 });
    } catch (e) {
      // A KMS server fault or throttling, the network, a timeout or the credentials failing is a
      // 502; the rest is a 400: a bad or tampered body, KMS refusing (AccessDenied, Disabled,
      // NotFound), which on decrypt the keyring reports as one NoUsableKeyError.
      // Only the error's name goes out: KMS's messages can name the IAM principal.
      const upstream = e.$fault === 'server' || ['NetworkError', 'TimeoutError', 'CredentialsProviderError', 'ThrottlingException'].includes(e.name);
      return Response.json({ error: e.name }, { status: upstream ? 502 : 400 });
    }
  },
};
