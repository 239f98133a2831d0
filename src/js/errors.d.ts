/** What every response and error carries, as in the AWS SDK. */
export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  /** Requests sent, the last included: the extra retry after a clock-skew refusal counts too (it does not count against `maxAttempts`). */
  attempts?: number;
  totalRetryDelay?: number;
  /** Never set by kms-wasm (KMS sends none); declared as the SDK's, so code reading it compiles. */
  extendedRequestId?: string;
  /** Never set by kms-wasm; declared as the SDK's. */
  cfId?: string;
}

/** The per-call options of `send(command, options)` and of each operation method, as @aws-sdk's. */
export interface HttpHandlerOptions {
  /** Aborts the call: the request in flight is cancelled, no retry follows, and the call rejects
   * with an `AbortError` (at once, sending nothing, if the signal has already fired) whose
   * `cause` is the signal's `reason`. */
  abortSignal?: AbortSignal;
  /** Milliseconds each attempt of this call may take, instead of the client's `requestTimeout`
   * (0: no limit); an attempt that takes longer fails with a `TimeoutError`, retried as any. */
  requestTimeout?: number;
}

/** What an exception class is constructed from (as the SDK's, for mocks and tests). */
export interface ExceptionOptions {
  message?: string;
  $metadata?: ResponseMetadata;
}

/** Base class of every exception KMS answers with; `name` is the exception name. */
export declare class KMSServiceException extends Error {
  constructor(options: ExceptionOptions & { name: string; $fault: 'client' | 'server' });
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;
  /** Never set by kms-wasm; declared as the SDK's, so code written for it compiles. */
  readonly $retryable?: { throttling?: boolean };
  /** Never set by kms-wasm; declared as the SDK's. */
  readonly $service?: string;
  /** Never set by kms-wasm (the SDK's raw HTTP response); declared as the SDK's. */
  readonly $response?: unknown;
}

/** Names of the errors kms-wasm raises itself. */
export type KmsWasmErrorName =
  | 'ConfigError' | 'ValidationError' | 'NetworkError' | 'TimeoutError' | 'AbortError' | 'CredentialsProviderError'
  | 'MalformedMessageError' | 'AuthenticationError' | 'SignatureError' | 'CommitmentPolicyError'
  | 'UnsupportedSuiteError' | 'EncryptionContextError' | 'TooManyEncryptedDataKeysError' | 'NoUsableKeyError'
  | 'LimitExceededError' | 'KeyringError' | 'StreamStateError' | 'HashWorkerError' | 'UnsupportedRuntimeError' | 'CompileError'
  | (string & {});

/** An error raised by kms-wasm before or around KMS; `field` names the offending input or setting. */
export declare class KmsWasmError extends Error {
  /** For mocks and tests, as the exception classes: `new KmsWasmError({ name: 'NetworkError', message })`. */
  constructor(options: { name: KmsWasmErrorName; message?: string; field?: string; code?: string; $fault?: 'client' | 'server'; $metadata?: ResponseMetadata; cause?: unknown });
  readonly name: KmsWasmErrorName;
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;
  readonly field?: string;
  /**
   * A `NetworkError`'s code, where the runtime gives one (Node: `ECONNREFUSED`, `ENOTFOUND`,
   * `CERT_HAS_EXPIRED`, `ERR_SSL_WRONG_VERSION_NUMBER`, …; browsers say nothing of why a fetch failed).
   */
  readonly code?: string;
}
