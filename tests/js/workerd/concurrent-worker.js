// A Worker holding one KMS client across its requests, as Workers commonly do: each request
// makes one KMS call. `workerd serve` runs it; the test sends many requests at once.
import { KMS } from './kms-wasm/workerd.js';

let kms;

export default {
  async fetch(request, env) {
    kms ??= KMS.fromEnv(env);
    try {
      const { Plaintext } = await kms.generateRandom({ NumberOfBytes: 16 });
      return new Response(`ok ${Plaintext.length}`);
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`, { status: 502 });
    }
  },
};
