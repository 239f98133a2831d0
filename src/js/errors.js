// Error classes shared by the generated model (one subclass per KMS exception) and the client.

/** Base class of every exception KMS answers with (as in @aws-sdk/client-kms). */
export class KMSServiceException extends Error {
  constructor(opts) {
    super(opts.message);
    this.name = opts.name;
    this.$fault = opts.$fault;
    this.$metadata = opts.$metadata ?? {};
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Errors raised by kms-wasm itself, before or around KMS: ConfigError, ValidationError,
 * NetworkError, TimeoutError, AbortError, CredentialsProviderError and the envelope errors
 * (MalformedMessageError, AuthenticationError, SignatureError, …). `field` names the
 * offending input or setting when there is one; `cause`, what led to it when known (an
 * AbortError's is the signal's reason).
 */
export class KmsWasmError extends Error {
  constructor(opts = {}) {
    super(opts.message, 'cause' in opts ? { cause: opts.cause } : undefined);
    this.name = opts.name ?? 'KmsWasmError';
    this.$fault = opts.$fault ?? 'client';
    this.$metadata = opts.$metadata ?? {};
    if (opts.field) this.field = opts.field;
    if (opts.code) this.code = opts.code;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
