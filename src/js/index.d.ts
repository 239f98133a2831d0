// Types of the kms-wasm package. Operation inputs/outputs, enums and exception
// classes are generated from the KMS model into model.d.ts.
import type { KMSOperationMethods, KMSOperations, ListKeysRequest, ListKeysResponse, ListAliasesRequest, ListAliasesResponse,
  ListGrantsRequest, ListGrantsResponse, ListKeyPoliciesRequest, ListKeyPoliciesResponse, ListResourceTagsRequest,
  ListResourceTagsResponse, ListRetirableGrantsRequest, ListKeyRotationsRequest, ListKeyRotationsResponse } from './model.js';
import type { ResponseMetadata } from './errors.js';

export * from './model.js';
export * from './errors.js';

/** AWS credentials, as @aws-sdk/types' AwsCredentialIdentity. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Credentials, or a function returning them (called before each request; cache inside it). */
export type CredentialsInput = AwsCredentialIdentity | (() => AwsCredentialIdentity | Promise<AwsCredentialIdentity>);

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

/** Options of `new KMS(...)`, a subset of @aws-sdk/client-kms's KMSClientConfig plus kms-wasm's own. */
export interface KMSClientConfig {
  /** AWS region, e.g. "us-east-1" (or AWS_REGION / AWS_DEFAULT_REGION from `env`). */
  region?: string;
  /** Endpoint override: VPC endpoint, proxy, local emulator. Plain http only for local hosts. */
  endpoint?: string;
  credentials?: CredentialsInput;
  /** Total attempts per call including the first (default 3). */
  maxAttempts?: number;
  /** Per-attempt timeout in milliseconds (default 30000). */
  requestTimeout?: number;
  /** Backoff base in milliseconds (default 100); retries wait a random time below base·2^n. */
  retryBaseDelayMs?: number;
  /** Called after every KMS call. */
  onAudit?: (event: AuditEvent) => void;
}

/** Environment variables (`process.env`, a Worker's `env`). */
export type EnvMap = Record<string, string | undefined>;

export interface KMS extends KMSOperationMethods {}
/** A KMS client with one method per operation, shaped like `KMS` of @aws-sdk/client-kms. */
export declare class KMS {
  constructor(config?: KMSClientConfig, env?: EnvMap);
  /** A client configured from AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL_KMS / AWS_KMS_ENDPOINT / AWS_ENDPOINT_URL. */
  static fromEnv(env: EnvMap, config?: KMSClientConfig): KMS;
  /** Calls any operation by name. */
  call<K extends keyof KMSOperations>(operation: K, input: KMSOperations[K][0]): Promise<KMSOperations[K][1] & { $metadata: ResponseMetadata }>;
  /** Releases the wasm-side client. */
  destroy(): void;
}

/** Loads the wasm module; optional, every call awaits it. Idempotent. */
export declare function ready(): Promise<unknown>;

/** Paginator configuration, as in @aws-sdk/client-kms. */
export interface KMSPaginationConfiguration {
  client: KMS;
  pageSize?: number;
  startingToken?: string;
}
type Page<T> = T & { $metadata: ResponseMetadata };
export declare function paginateListKeys(config: KMSPaginationConfiguration, input?: ListKeysRequest): AsyncGenerator<Page<ListKeysResponse>, void, unknown>;
export declare function paginateListAliases(config: KMSPaginationConfiguration, input?: ListAliasesRequest): AsyncGenerator<Page<ListAliasesResponse>, void, unknown>;
export declare function paginateListGrants(config: KMSPaginationConfiguration, input: ListGrantsRequest): AsyncGenerator<Page<ListGrantsResponse>, void, unknown>;
export declare function paginateListKeyPolicies(config: KMSPaginationConfiguration, input: ListKeyPoliciesRequest): AsyncGenerator<Page<ListKeyPoliciesResponse>, void, unknown>;
export declare function paginateListResourceTags(config: KMSPaginationConfiguration, input: ListResourceTagsRequest): AsyncGenerator<Page<ListResourceTagsResponse>, void, unknown>;
export declare function paginateListRetirableGrants(config: KMSPaginationConfiguration, input: ListRetirableGrantsRequest): AsyncGenerator<Page<ListGrantsResponse>, void, unknown>;
export declare function paginateListKeyRotations(config: KMSPaginationConfiguration, input: ListKeyRotationsRequest): AsyncGenerator<Page<ListKeyRotationsResponse>, void, unknown>;
