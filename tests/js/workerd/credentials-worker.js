// A Worker holding one KMS client across its requests whose credentials come from an async
// function that takes its time (a vault, STS): requests arriving while it runs must not wait on
// another request's fetch, which workerd cancels as hung.
import { KMS } from './kms-wasm/workerd.js';

let kms;

export default {
  async fetch(request, env) {
    kms ??= new KMS({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL_KMS,
      credentials: async () => {
        await (await fetch(env.CREDENTIALS_URL)).text();
        return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, expiration: new Date(Date.now() + 3_600_000) };
      },
    });
    try {
      const { Plaintext } = await kms.generateRandom({ NumberOfBytes: 16 });
      return new Response(`ok ${Plaintext.length}`);
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`, { status: 502 });
    }
  },
};
