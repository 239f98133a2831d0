// Types of the deployment tools (issue 7): provisioning, KmsWrapper, credential providers.
import type { KeyMetadata, KeySpec, KeyUsageType } from './model.js';
import type { KMSClient, AwsCredentialIdentity, CredentialsFunctionResult, EnvMap } from './index.js';

/** Options of `provisionKey`; every one is checked before the first request (errors name it in `field`). */
export interface ProvisionKeyOptions {
  /** Application name: letters, digits, `_`, `-`. */
  app: string;
  /** Environment, e.g. "prod": letters, digits, `_`, `-`. */
  environment: string;
  /** Service name; also the prefix of the variables (upper-cased, other characters → `_`). */
  service: string;
  /** Alias instead of `alias/<app>/<environment>/<service>` (the `alias/` prefix is optional). */
  alias?: string;
  /** Automatic rotation; default on for SYMMETRIC_DEFAULT encryption keys, off (and not allowed) otherwise. */
  autoRotate?: boolean;
  /** 90–2560 days (KMS default 365); needs rotation. */
  rotationPeriodInDays?: number;
  description?: string;
  /** Default SYMMETRIC_DEFAULT. An existing key's spec is checked, never changed. */
  keySpec?: KeySpec | string;
  /** Default ENCRYPT_DECRYPT (GENERATE_VERIFY_MAC for HMAC specs). */
  keyUsage?: KeyUsageType | string;
  /** Key policy (JSON) of a new key. */
  policy?: string;
  /** Waiting period `retireKey` uses, 7–30 days (default 30). */
  deletionWindowInDays?: number;
  /** Create a multi-Region primary key. */
  multiRegion?: boolean;
  /** Default true; reconciled on an existing key. */
  enabled?: boolean;
  /** Added to a new key, added/updated on an existing one. */
  tags?: Record<string, string> | { TagKey: string; TagValue: string }[];
}

/** What `provisionKey` resolves to. */
export interface ProvisionedKey {
  KeyMetadata: KeyMetadata;
  AliasName: string;
  AliasArn: string;
  /** `<SERVICE>_KEY_ID`, `<SERVICE>_KEY_ARN`, `<SERVICE>_ALIAS_NAME`, `<SERVICE>_ALIAS_ARN`. */
  variables: Record<string, string>;
  /** false when the alias existed and its key was reused (and reconciled). */
  created: boolean;
}

/** What `retireKey` resolves to. */
export interface RetiredKey {
  KeyId: string;
  AliasName: string;
  DeletionDate?: Date;
  PendingWindowInDays: number;
}

/** Creates, or finds again and reconciles, the key of `<app>/<environment>/<service>` and its alias. Idempotent. */
export declare function provisionKey(kms: KMSClient, options: ProvisionKeyOptions): Promise<ProvisionedKey>;
/** Schedules the alias's key for deletion (window: argument, else the options', else 30 days), then deletes the alias. Safe to run again after a failure. */
export declare function retireKey(kms: KMSClient, aliasOrOptions: string | ProvisionKeyOptions, deletionWindowInDays?: number): Promise<RetiredKey>;

/** What the wrapper's `onAudit` receives after every encrypt and decrypt. Never plaintext, keys or credentials. */
export interface WrapperAuditEvent {
  action: 'kms.encrypt' | 'kms.decrypt';
  /** The key used (ARN when known). */
  keyId?: string;
  ok: boolean;
  errorName?: string;
}

/** `KmsWrapper.fromConfig` settings; each falls back to an environment variable, then a default. */
export interface KmsWrapperConfig {
  /** Else AWS_REGION, else AWS_DEFAULT_REGION. */
  region?: string;
  /** Else AWS_ACCESS_KEY_ID. */
  accessKey?: string;
  /** Else AWS_SECRET_ACCESS_KEY. */
  secretKey?: string;
  /** Else AWS_SESSION_TOKEN (when the access key also comes from the environment). */
  sessionToken?: string;
  /** Key id, ARN or alias to encrypt with; else AWSKMS_WRAPPER_KEY_ID. */
  keyId?: string;
  /** Else AWS_KMS_ENDPOINT, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL; else the region's endpoint. */
  endpoint?: string;
  onAudit?: (event: WrapperAuditEvent) => void;
}

/**
 * Envelope encryption with one KMS key; each blob records the key that encrypted it, so old
 * blobs still decrypt after a rotation or a change of key. Symmetric encryption keys only.
 * A disabled or pending-deletion key fails encrypt/decrypt (DisabledException /
 * KMSInvalidStateException) while `describe()` still works.
 */
export declare class KmsWrapper {
  /** Over an existing kms-wasm KMS (any credentials provider). */
  constructor(input: { client: KMSClient; keyId: string; onAudit?: (event: WrapperAuditEvent) => void });
  /** Configured from `config`, else `env` (default `process.env`); rejects naming the field or variable. */
  static fromConfig(config?: KmsWrapperConfig, env?: EnvMap): Promise<KmsWrapper>;
  /** ARN of the KMS key a blob names, without calling KMS. */
  static keyIdOf(blob: Uint8Array): Promise<string>;
  /** The configured key id, as given. */
  keyId(): Promise<string>;
  /** Encrypts `plaintext` (required: `undefined` or `null` is a `ValidationError`, not an empty plaintext). */
  encrypt(plaintext: Uint8Array | string, aad?: Uint8Array | string): Promise<Uint8Array>;
  decrypt(blob: Uint8Array, aad?: Uint8Array | string): Promise<Uint8Array>;
  /** DescribeKey of the configured key, whatever its state. */
  describe(): Promise<KeyMetadata>;
}

/**
 * A cached credentials provider: an async function (usable as `credentials` of `new KMS(...)`
 * and of the AWS SDK). Refreshes 5 minutes before expiry, one fetch in flight.
 * Option errors reject the first call, naming the option in `field`.
 */
export interface CredentialsProvider {
  (): Promise<AwsCredentialIdentity>;
  /** Forgets the cached credentials. */
  invalidate(): void;
}

export interface WebIdentityOptions {
  /** arn:aws:iam::<account>:role/<name> */
  roleArn: string;
  /** The OIDC token; or give `tokenProvider`. */
  webIdentityToken?: string;
  /** Asked for a fresh token before every STS call (e.g. re-reading a projected token file). */
  tokenProvider?: () => string | Promise<string>;
  /** 2–64 of letters, digits and _+=,.@- (default kms-wasm-<time>). */
  roleSessionName?: string;
  /** STS region. */
  region: string;
  /** STS endpoint override (proxy, emulator). */
  endpoint?: string;
  /** The region's FIPS endpoint, `sts-fips.<region>.…` (in AWS GovCloud the regional one, FIPS there). Not with `endpoint`. */
  useFipsEndpoint?: boolean;
  /** 900–43200 seconds. */
  durationSeconds?: number;
  /** Inline session policy (JSON). */
  policy?: string;
  /** Milliseconds per STS request (default 30000): a client's `requestTimeout` does not cover the fetch of its credentials. */
  requestTimeout?: number;
}

export interface CognitoIdentityPoolOptions {
  /** `<region>:<uuid>`; the region comes from it. */
  identityPoolId: string;
  /**
   * Identity provider tokens, e.g. `{ "accounts.google.com": idToken }`, each a string or (as the
   * SDK's) a function giving one, asked at every refresh; without them the pool must allow
   * unauthenticated identities.
   */
  logins?: Record<string, string | (() => string | Promise<string>)>;
  /** Cognito endpoint override (proxy, emulator). */
  endpoint?: string;
  /** The region's FIPS endpoint, `cognito-identity-fips.<region>.…`. Not with `endpoint`. */
  useFipsEndpoint?: boolean;
  accountId?: string;
  customRoleArn?: string;
  /** An identity id obtained earlier (GetId is skipped). */
  identityId?: string;
  /** Milliseconds per Cognito request (default 30000): a client's `requestTimeout` does not cover the fetch of its credentials. */
  requestTimeout?: number;
}

/** STS AssumeRoleWithWebIdentity (unsigned): OIDC token → temporary role credentials. */
export declare function fromWebIdentity(options: WebIdentityOptions): CredentialsProvider;
/** Cognito identity pool (GetId + GetCredentialsForIdentity, unsigned). */
export declare function fromCognitoIdentityPool(options: CognitoIdentityPoolOptions): CredentialsProvider;
/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN of `env` (default `process.env`). */
export declare function fromEnv(env?: EnvMap): CredentialsProvider;
/** The caller's async function, cached (refreshed 5 minutes before its `expiration`). */
export declare function fromFunction(fn: () => CredentialsFunctionResult | PromiseLike<CredentialsFunctionResult>): CredentialsProvider;
