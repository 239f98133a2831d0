// Types of the kms-wasm package. Operation inputs/outputs, enums and exception
// classes are generated from the KMS model into model.d.ts.
import type { KMSCommand, KMSOperationMethods, KMSOperations, ListKeysRequest, ListKeysResponse, ListAliasesRequest, ListAliasesResponse,
  ListGrantsRequest, ListGrantsResponse, ListKeyPoliciesRequest, ListKeyPoliciesResponse, ListResourceTagsRequest,
  ListResourceTagsResponse, ListRetirableGrantsRequest, ListKeyRotationsRequest, ListKeyRotationsResponse,
  DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse } from './model.js';
import type { HttpHandlerOptions, KMSServiceException, ResponseMetadata } from './errors.js';
import type { CredentialsProvider } from './deploy.js';

export * from './model.js';
export * from './errors.js';
export * from './deploy.js';

/** AWS credentials, as @aws-sdk/types' AwsCredentialIdentity. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** What a credentials function may return: `expiration` also as epoch milliseconds or a date string. */
export interface CredentialsFunctionResult extends Omit<AwsCredentialIdentity, 'expiration'> {
  expiration?: Date | number | string;
}

/**
 * Credentials, or a function returning them or a promise or thenable of them. The function is
 * cached as the SDK caches a provider: asked again 5 minutes before the `expiration` it returned
 * (half-way for credentials living under 10 minutes), never if it returned none, and once
 * however many calls are waiting.
 */
export type CredentialsInput = AwsCredentialIdentity | (() => CredentialsFunctionResult | PromiseLike<CredentialsFunctionResult>);

/** What the audit hook receives after every KMS call. Never secrets or plaintext. */
export interface AuditEvent {
  operation: string;
  keyId?: string;
  requestId?: string;
  httpStatus?: number;
  attempts: number;
  durationMs: number;
  errorName?: string;
}

/**
 * Options of `new KMS(...)`: a subset of @aws-sdk/client-kms's KMSClientConfig (region, endpoint,
 * credentials, useFipsEndpoint, useDualstackEndpoint, maxAttempts) plus kms-wasm's own; other SDK
 * options (requestHandler, retryMode, logger, …) are ignored. A value of the wrong type is a
 * `ConfigError` on the first call.
 */
export interface KMSClientConfig {
  /** AWS region, e.g. "us-east-1" (or AWS_REGION / AWS_DEFAULT_REGION from `env`); a string, not a provider function. */
  region?: string;
  /** Endpoint override: VPC endpoint, proxy, local emulator; a URL string. Plain http only for local hosts. */
  endpoint?: string;
  /** The region's FIPS endpoint, `kms-fips.<region>.…` (or AWS_USE_FIPS_ENDPOINT from `env`, or a region such as `us-east-1-fips`). Not with `endpoint`. */
  useFipsEndpoint?: boolean;
  /** The region's dual-stack (IPv4 and IPv6) endpoint (or AWS_USE_DUALSTACK_ENDPOINT from `env`). Not with `endpoint`. */
  useDualstackEndpoint?: boolean;
  credentials?: CredentialsInput;
  /** Total attempts per call including the first (default 3, or AWS_MAX_ATTEMPTS from `env`). */
  maxAttempts?: number;
  /** Per-attempt timeout in milliseconds (default 30000). */
  requestTimeout?: number;
  /** Backoff base in milliseconds (default 100); retries wait a random time below base·2^n (throttling answers: 5·base·2^n, as the SDK's standard mode), at most 20 s. */
  retryBaseDelayMs?: number;
  /** Called after every KMS call. */
  onAudit?: (event: AuditEvent) => void;
  /** The SDK's handler options: `{ requestTimeout }` is taken as `requestTimeout` (which wins); anything else (a handler instance) is ignored, as kms-wasm sends with `fetch`. */
  requestHandler?: unknown;
  /** SDK option accepted and ignored, so a config written for the SDK compiles (kms-wasm retries in standard mode). */
  retryMode?: unknown;
  /** Accepted and ignored, as `retryMode` (kms-wasm logs nothing). */
  logger?: unknown;
  /** Accepted and ignored, as `retryMode`. */
  customUserAgent?: unknown;
}

/**
 * Environment variables: `process.env`, or a Worker's `env` (any object, so that the `Env`
 * interface `wrangler types` writes fits). Of the variables kms-wasm reads, strings are taken,
 * and booleans as `"true"`/`"false"` (a Worker's `[vars]` may hold `true`); other values and
 * other bindings are left out.
 */
export type EnvMap = object;

/** A KMS client shaped like `KMSClient` of @aws-sdk/client-kms: `await client.send(new EncryptCommand(input))`. */
export declare class KMSClient {
  #private; // only a kms-wasm client (or a subclass) is one: keyrings and paginators need its wasm side
  constructor(config?: KMSClientConfig, env?: EnvMap);
  /** A client configured from AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL_KMS / AWS_KMS_ENDPOINT / AWS_ENDPOINT_URL, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, AWS_MAX_ATTEMPTS, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS. */
  static fromEnv(env: EnvMap, config?: KMSClientConfig): KMSClient;
  /** Sends a command; a value that is not a kms-wasm command rejects with a ValidationError. */
  send<K extends keyof KMSOperations>(command: KMSCommand<K>, options?: HttpHandlerOptions): Promise<KMSOperations[K][1] & { $metadata: ResponseMetadata }>;
  /** Calls any operation by name. */
  call<K extends keyof KMSOperations>(
    operation: K,
    // The input may be left out where no member is required (it is then `{}`).
    ...args: {} extends KMSOperations[K][0] ? [input?: KMSOperations[K][0], options?: HttpHandlerOptions] : [input: KMSOperations[K][0], options?: HttpHandlerOptions]
  ): Promise<KMSOperations[K][1] & { $metadata: ResponseMetadata }>;
  /** Releases the wasm-side client. */
  destroy(): void;
}

export interface KMS extends KMSOperationMethods, KMSPaginatorMethods {}
/** A KMS client with one method per operation, shaped like `KMS` of @aws-sdk/client-kms (it extends `KMSClient`, as there). */
export declare class KMS extends KMSClient {
  /** A client configured from the environment, as `KMSClient.fromEnv`. */
  static fromEnv(env: EnvMap, config?: KMSClientConfig): KMS;
}

/** Loads the wasm module; optional, every call awaits it. Idempotent. */
export declare function ready(): Promise<unknown>;
/** Turns the WebCrypto fast path for envelope AES-GCM off (or on again); for tests and benchmarks. */
export declare function useWebCrypto(on: boolean): void;
/** @internal Called by the package's entries once they instantiated the wasm themselves. */
export declare function markReady(instance: unknown): void;
/** @internal The per-operation conversion tables the KMS class is driven by (generated from botocore). */
export declare const OPERATIONS: Record<string, unknown>;
/** @internal The KMS exception classes by name. */
export declare const EXCEPTION_CLASSES: Record<string, typeof KMSServiceException>;
/** @internal Turns what wasm threw into the typed error the API throws. */
export declare function liftError(e: unknown): Error;
/** @internal A SHA-384 hasher for signed suites, installed by an entry: Node's `createHash`, the browser's hash worker. */
export interface ExternalSha384 {
  /** May return a promise to wait for before more is written. */
  update(bytes: Uint8Array): void | Promise<void>;
  digest(): Uint8Array | Promise<Uint8Array>;
  /** Drops an unfinished hash. */
  abort?(): void;
  /** True for a hasher running in a worker. */
  inWorker?: boolean;
}
/** @internal A factory of hashers; `length` is the message's, or Infinity for a stream. */
export type ExternalSha384Factory = (length: number) => ExternalSha384 | undefined | Promise<ExternalSha384 | undefined>;
/** @internal Installs the SHA-384 for signed suites (the Node and browser entries do; `undefined` goes back to wasm's); returns the one it replaced. */
export declare function useExternalSha384(factory: ExternalSha384Factory | undefined): ExternalSha384Factory | undefined;
/** @internal A synchronous AES-GCM for envelope frames, installed by Node's entry (node:crypto). */
export interface SyncAesGcm {
  /** A key object holding its own copy of `raw`. */
  key(raw: Uint8Array): unknown;
  /** The ciphertext and the 16-byte tag. */
  seal(key: unknown, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array[];
  /** The plaintext, or null if the tag does not verify. */
  open(key: unknown, iv: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
  /** Resolves after the event loop had a turn. */
  pause(): Promise<void>;
  /** May free what `seal` or `open` returned; called once a one-shot call copied it. */
  release?(bytes: Uint8Array): void;
}
/**
 * @internal Installs what `fromEnv` uses for credentials when the variables hold no keys (the
 * Node entry: a web identity token file, a container credentials endpoint); `undefined` for nothing more.
 */
export declare function useEnvCredentials(finder: ((env: EnvMap, config: KMSClientConfig) => CredentialsProvider | undefined) | undefined): void;
/** @internal Installs the synchronous AES-GCM for envelope frames (`undefined`: WebCrypto); returns the one it replaced. */
export declare function useSyncAesGcm(cipher: SyncAesGcm | undefined): SyncAesGcm | undefined;
/**
 * @internal How a large one-shot result's pages are faulted in off the calling thread (the Node
 * and browser entries install one): `fill` writes every page of a view of the result buffer
 * (Node: a read from /dev/zero in the threadpool); `allocate` gives a fresh buffer of that length
 * whose pages a worker faulted in, or undefined (browsers).
 */
export type Prefaulter =
  | { fill(view: Uint8Array): Promise<void> }
  | { allocate(length: number): Promise<Uint8Array | undefined> | undefined };
/** @internal Installs a prefaulter; returns the one it replaced. */
export declare function usePrefault(prefaulter: Prefaulter | undefined): Prefaulter | undefined;
/** @internal How `ready()` loads the wasm module (the browser entry sets it; the others load it at import). */
export declare function useLoader(loader: () => Promise<unknown>): void;

/** Paginator configuration, as in @aws-sdk/client-kms. */
export interface KMSPaginationConfiguration {
  client: KMSClient;
  /** Sent as `Limit`. */
  pageSize?: number;
  /** Sent as the first request's `Marker`. */
  startingToken?: string;
  /** Accepted for the SDK's sake: kms-wasm always stops when a server hands back a marker it already sent. */
  stopOnSameToken?: boolean;
}
/** Every operation's input, as the SDK's union of that name. */
export type ServiceInputTypes = KMSOperations[keyof KMSOperations][0];
/** Every operation's output, as the SDK's union of that name. */
export type ServiceOutputTypes = KMSOperations[keyof KMSOperations][1] & { $metadata: ResponseMetadata };
type Page<T> = T & { $metadata: ResponseMetadata };
export declare function paginateListKeys(config: KMSPaginationConfiguration, input?: ListKeysRequest): AsyncGenerator<Page<ListKeysResponse>, void, unknown>;
export declare function paginateListAliases(config: KMSPaginationConfiguration, input?: ListAliasesRequest): AsyncGenerator<Page<ListAliasesResponse>, void, unknown>;
export declare function paginateListGrants(config: KMSPaginationConfiguration, input: ListGrantsRequest): AsyncGenerator<Page<ListGrantsResponse>, void, unknown>;
export declare function paginateListKeyPolicies(config: KMSPaginationConfiguration, input: ListKeyPoliciesRequest): AsyncGenerator<Page<ListKeyPoliciesResponse>, void, unknown>;
export declare function paginateListResourceTags(config: KMSPaginationConfiguration, input: ListResourceTagsRequest): AsyncGenerator<Page<ListResourceTagsResponse>, void, unknown>;
export declare function paginateListRetirableGrants(config: KMSPaginationConfiguration, input: ListRetirableGrantsRequest): AsyncGenerator<Page<ListGrantsResponse>, void, unknown>;
export declare function paginateListKeyRotations(config: KMSPaginationConfiguration, input: ListKeyRotationsRequest): AsyncGenerator<Page<ListKeyRotationsResponse>, void, unknown>;
export declare function paginateDescribeCustomKeyStores(config: KMSPaginationConfiguration, input?: DescribeCustomKeyStoresRequest): AsyncGenerator<Page<DescribeCustomKeyStoresResponse>, void, unknown>;
/** The paginators as methods of `KMS`, as on the SDK's aggregated client: `kms.paginateListKeys(input, config)`. */
type KMSPaginatorMethods = {
  [P in 'ListKeys' | 'ListAliases' | 'ListGrants' | 'ListKeyPolicies' | 'ListResourceTags' | 'ListRetirableGrants' | 'ListKeyRotations' | 'DescribeCustomKeyStores' as `paginate${P}`]: (
    // The input may be left out where no member is required.
    ...args: {} extends KMSOperations[P][0]
      ? [input?: KMSOperations[P][0], config?: Omit<KMSPaginationConfiguration, 'client'>]
      : [input: KMSOperations[P][0], config?: Omit<KMSPaginationConfiguration, 'client'>]
  ) => AsyncGenerator<Page<KMSOperations[P][1]>, void, unknown>;
};

// ---- envelope encryption (shaped like @aws-crypto/client-browser) ----

/** Algorithm suites kms-wasm encrypts with (message format v2, key commitment). */
export declare const AlgorithmSuiteIdentifier: {
  readonly ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY: 0x0478;
  readonly ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578;
};
export type AlgorithmSuiteId = 0x0478 | 0x0578 | (number & {});

/** Raw AES wrapping suites, as @aws-crypto/client-node numbers them; a `RawAesKeyring`'s
 * `wrappingKey` length chooses one, and a `wrappingSuite` given must agree with it. */
export declare const RawAesWrappingSuiteIdentifier: {
  readonly AES128_GCM_IV12_TAG16_NO_PADDING: 0x0014;
  readonly AES192_GCM_IV12_TAG16_NO_PADDING: 0x0046;
  readonly AES256_GCM_IV12_TAG16_NO_PADDING: 0x0078;
};

/** Commitment policies, as in the official SDKs (default REQUIRE_ENCRYPT_REQUIRE_DECRYPT). */
export declare const CommitmentPolicy: {
  readonly REQUIRE_ENCRYPT_REQUIRE_DECRYPT: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT';
  readonly REQUIRE_ENCRYPT_ALLOW_DECRYPT: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT';
  readonly FORBID_ENCRYPT_ALLOW_DECRYPT: 'FORBID_ENCRYPT_ALLOW_DECRYPT';
};
export type CommitmentPolicyName = (typeof CommitmentPolicy)[keyof typeof CommitmentPolicy];

/** Encryption context: non-secret string pairs bound to the message. */
export type EncryptionContext = Record<string, string>;

/** One wrapped copy of the data key in a message header. */
export interface EncryptedDataKey {
  /** `aws-kms` for KMS, the key namespace for raw AES. */
  providerId: string;
  /** The KMS key ARN, or the raw keyring's key name plus IV info, read as UTF-8 (an IV's bytes
   * that are not UTF-8 become U+FFFD: `rawInfo` has them as they are). */
  providerInfo: string;
  /** The provider info as bytes, as in the message. */
  rawInfo: Uint8Array;
  encryptedDataKey: Uint8Array;
}

/** The parsed (and, on decrypt, authenticated) message header. */
export interface MessageHeader {
  version: number;
  suiteId: number;
  messageId: Uint8Array;
  /** Includes `aws-crypto-public-key` for signing suites. */
  encryptionContext: EncryptionContext;
  encryptedDataKeys: EncryptedDataKey[];
  /** 2 = framed, 1 = non-framed (decrypt only). */
  contentType: number;
  frameLength: number;
}

/**
 * Base of the keyrings; pass any of them to encrypt/decrypt. Their constructors check the options:
 * a wrong type or combination throws a `KmsWasmError` named `ConfigError` whose `field` names it,
 * except a `RawAesKeyring` `wrappingKey` that is not bytes, a `ValidationError` naming `wrappingKey`.
 */
export declare abstract class Keyring {
  private readonly __keyring: never;
}

export interface KmsKeyringInput {
  /** A kms-wasm client (`KMS` or `KMSClient`). */
  client: KMSClient;
  /**
   * Key that makes the data key (GenerateDataKey): a key id, key ARN, alias name or alias ARN
   * (anything else is a `ConfigError` at once). To decrypt, give a key ARN: messages name their
   * keys by ARN and only exactly these identifiers are tried, so a keyring built with an alias or a
   * bare key id encrypts but cannot decrypt, not even its own messages (`NoUsableKeyError`).
   */
  generatorKeyId?: string;
  /** Further keys that each wrap the same data key (Encrypt); on decrypt, the keys that may be used (key ARNs, as for `generatorKeyId`). */
  keyIds?: string[];
  /** Decrypt with whatever KMS key the message names (filtered by discoveryFilter). */
  discovery?: boolean;
  /** Discovery only: keys of this partition and of one of these (at least one) accounts. */
  discoveryFilter?: { partition: string; accountIds: string[] };
  /** Grant tokens sent with every KMS call of the keyring. */
  grantTokens?: string[];
}
/** The AWS KMS keyring. Decrypting needs key ARNs (or `discovery: true`): see `generatorKeyId`. */
export declare class KmsKeyring extends Keyring {
  constructor(input: KmsKeyringInput);
  /** The options as checked (copies, frozen): read-only, as for every keyring. */
  readonly client: KMSClient;
  readonly generatorKeyId: string | undefined;
  readonly keyIds: readonly string[];
  readonly discovery: boolean;
  readonly discoveryFilter: { readonly partition: string; readonly accountIds: readonly string[] } | undefined;
  readonly grantTokens: readonly string[];
}

export interface RawAesKeyringInput {
  keyName: string;
  /** Must not start with `aws-kms` (reserved for KMS keyrings). */
  keyNamespace: string;
  /** 16, 24 or 32 bytes (not a string): any other value is a `ValidationError`, another length a `ConfigError`. */
  wrappingKey: Uint8Array | ArrayBuffer | ArrayBufferView;
  /** client-node's option (its `RawAesWrappingSuiteIdentifier` value, or the name), accepted when it is the suite the key's length gives (else a `ConfigError`). */
  wrappingSuite?: 20 | 70 | 120 | 'AES128_GCM_IV12_TAG16_NO_PADDING' | 'AES192_GCM_IV12_TAG16_NO_PADDING' | 'AES256_GCM_IV12_TAG16_NO_PADDING';
  /** client-node's option: kms-wasm always orders the context in UTF-8 byte order (`false` is a `ConfigError`). */
  utf8Sorting?: true;
}
export declare class RawAesKeyring extends Keyring {
  constructor(input: RawAesKeyringInput);
  readonly keyName: string;
  readonly keyNamespace: string;
}

/** Needs a generator or at least one child. */
export declare class MultiKeyring extends Keyring {
  constructor(input: { generator?: Keyring; children?: Keyring[] });
  readonly generator: Keyring | undefined;
  readonly children: readonly Keyring[];
}

/** Options of `encrypt` and `encryptStream`; one given as `undefined` or `null` is left out. */
export interface EncryptOptions {
  encryptionContext?: EncryptionContext | null | undefined;
  /** Default 0x0578 (with an ECDSA P-384 signature); 0x0478 for none. A legacy suite is a `CommitmentPolicyError`. */
  suiteId?: AlgorithmSuiteId | null | undefined;
  /** Plaintext bytes per frame (default 65536; the spec's and the official SDKs' default is 4096). */
  frameLength?: number | null | undefined;
  /** FORBID_ENCRYPT_ALLOW_DECRYPT makes every encrypt a `CommitmentPolicyError` (kms-wasm never writes legacy messages). */
  commitmentPolicy?: CommitmentPolicyName | null | undefined;
  /** Refuse to write a message with more encrypted data keys than this (`TooManyEncryptedDataKeysError`). */
  maxEncryptedDataKeys?: number | null | undefined;
  /**
   * `encryptStream`: the most plaintext bytes the stream may be given; more fail it with a
   * `LimitExceededError` before they are encrypted. One-shot calls ignore it, as the spec says.
   * (Any option not declared here is a `ValidationError`.)
   */
  plaintextLength?: number | null | undefined;
}

export interface DecryptOptions {
  /** Pairs the message's encryption context must contain. */
  encryptionContext?: EncryptionContext | null | undefined;
  /** REQUIRE_ENCRYPT_ALLOW_DECRYPT or FORBID_ENCRYPT_ALLOW_DECRYPT also decrypt legacy (v1, non-committing) messages. */
  commitmentPolicy?: CommitmentPolicyName | null | undefined;
  /** Refuse messages carrying more encrypted data keys than this. */
  maxEncryptedDataKeys?: number | null | undefined;
  /** Refuse frames (and non-framed bodies) larger than this many bytes: bounds what a stream buffers. */
  maxFrameLength?: number | null | undefined;
  /** `maxFrameLength` under client-node's name. (Any option not declared here is a `ValidationError`.) */
  maxBodySize?: number | null | undefined;
}

/**
 * Encrypts bytes into one message. With a signing suite, `result` may be a view into a buffer a
 * few bytes longer (the signature's length is known only at the end): use its `byteOffset`/`length`.
 * The plaintext is read while the call runs, not copied first: leave it unchanged until the
 * promise settles (a buffer detached meanwhile is a `ValidationError`).
 */
export declare function encrypt(keyring: Keyring, plaintext: Uint8Array | string, options?: EncryptOptions): Promise<{ result: Uint8Array; messageHeader: MessageHeader }>;
/**
 * Decrypts one message; releases nothing unless every tag, the commitment and the signature verify.
 * As with `encrypt`, the message is read while the call runs: leave it unchanged until it settles.
 * `plaintext` may be a view into a buffer the size of the message (use its `byteOffset`/`length`,
 * not its whole `buffer`): that saves copying a large plaintext once more. No data key unwrapped
 * is a `NoUsableKeyError` listing KMS's refusals, or, when an attempt failed without a verdict
 * (network, timeout, throttling, server fault, credentials), that failure itself.
 */
export declare function decrypt(keyring: Keyring, ciphertext: Uint8Array, options?: DecryptOptions): Promise<{ plaintext: Uint8Array; messageHeader: MessageHeader }>;

/** A TransformStream with the message header available once known. */
export interface EnvelopeStream extends TransformStream<Uint8Array, Uint8Array> {
  /**
   * Resolves once the header is known; for `decryptStream`, once it has verified, even if a later
   * part of the message then fails. Rejects with the stream's error if the header never verifies,
   * and with an `AbortError` if the stream is cancelled first.
   */
  readonly messageHeader: Promise<MessageHeader>;
}
/** Settings of `buildClient`, as @aws-crypto/client-*'s. */
export interface ClientOptions {
  /** Default `REQUIRE_ENCRYPT_REQUIRE_DECRYPT`. */
  commitmentPolicy?: CommitmentPolicyName | null | undefined;
  /** Refuse to write, or to decrypt, messages with more encrypted data keys than this (`false`, the default: no limit). */
  maxEncryptedDataKeys?: number | false | null | undefined;
}
/**
 * `encrypt`, `decrypt` and the streams with a commitment policy (and EDK limit) as defaults, as
 * @aws-crypto/client-*'s `buildClient`. A call may tighten them, not relax them: its policy is
 * the client's, or REQUIRE_ENCRYPT_REQUIRE_DECRYPT over REQUIRE_ENCRYPT_ALLOW_DECRYPT, and its EDK
 * limit no higher (else a `ValidationError`); one given as `undefined` or `null` keeps the client's.
 */
export declare function buildClient(options?: CommitmentPolicyName | ClientOptions): {
  encrypt: typeof encrypt;
  decrypt: typeof decrypt;
  encryptStream: typeof encryptStream;
  decryptStream: typeof decryptStream;
  decryptUnsignedMessageStream: typeof decryptUnsignedMessageStream;
};
/** Encrypts a stream into one message with memory bounded by the frame length. */
export declare function encryptStream(keyring: Keyring, options?: EncryptOptions): EnvelopeStream;
/**
 * Decrypts a stream. Each frame is released only after its tag verifies; with 0x0578 the
 * signature is checked at the end and the stream errors if it fails (earlier frames were
 * already released). Use `decrypt` when nothing may be released unverified.
 */
export declare function decryptStream(keyring: Keyring, options?: DecryptOptions): EnvelopeStream;
/**
 * `decryptStream` for unsigned messages (0x0478) only, as client-node's: a signed message is an
 * `UnsupportedSuiteError` from the suite its first bytes name, before any data key is unwrapped
 * (no KMS call) and before any plaintext; its `messageHeader` rejects with the same error.
 */
export declare function decryptUnsignedMessageStream(keyring: Keyring, options?: DecryptOptions): EnvelopeStream;
