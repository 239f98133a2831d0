// Deployment tools over the KMS client (issue 7): key provisioning, the key-id-carrying
// KmsWrapper and credential providers. Free functions taking a KMS first, so the KMS
// class keeps exactly the SDK's surface. The logic is Rust (src/provision.rs,
// src/wrapper.rs, src/credentials.rs); this file converts shapes.
import { WasmCredentialsProvider, WasmKmsWrapper, provisionKey as wasmProvisionKey, retireKey as wasmRetireKey } from './kms_wasm.js';
import { KMSClient, ready, liftError } from './core.js';
import { refuseUnknownOptions, setOwn } from './own.js';
import { KMSServiceException, KmsWasmError } from './errors.js';
import { withQuietAudit } from './audit.js';
import { OPERATIONS } from './model.js';

async function lifted(fn) {
  try {
    return await fn();
  } catch (e) {
    throw liftError(e);
  }
}

/** `field`: what the caller calls it (provisionKey's first argument, KmsWrapper's `client` option). */
function checkClient(kms, field = 'kms') {
  if (!(kms instanceof KMSClient)) throw new KmsWasmError({ name: 'ConfigError', message: `${field}: must be a kms-wasm KMS or KMSClient`, field });
}

const seconds = (s) => (s === undefined || s === null ? undefined : new Date(Math.round(s * 1000)));

// `null` members are left out (moto sends some), as the typed Rust model used to leave them out.
function withoutNulls(v) {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) setOwn(out, k, withoutNulls(x));
  return out;
}

// KeyMetadata arrives as the JSON KMS sent: timestamps (epoch seconds) become Dates per
// the DescribeKey output table, as KMS.describeKey converts them.
const KEY_METADATA_MAP = OPERATIONS.DescribeKey[1].KeyMetadata;
function keyMetadata(text) {
  const m = withoutNulls(JSON.parse(text));
  for (const [k, kind] of Object.entries(KEY_METADATA_MAP)) {
    if (kind !== 't' || !(k in m)) continue;
    // As KMS.describeKey: a typed error, not an Invalid Date.
    if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) throw new KMSServiceException({ name: 'SerializationException', message: `cannot parse the DescribeKey answer: KeyMetadata.${k}: not a number of seconds`, $fault: 'server' });
    m[k] = seconds(m[k]);
  }
  return m;
}

/** `bytes`, where the value is required: a missing plaintext is not an empty one. */
function requiredBytes(value, field) {
  const given = bytes(value, field);
  if (given) return given;
  throw new KmsWasmError({ name: 'ValidationError', message: `${field}: is required (bytes or a string)`, field });
}

/** A blob is what `encrypt` returned: a string is refused, not read as its UTF-8 (a stored base64 form, most likely). */
function blobBytes(value) {
  if (typeof value === 'string') throw new KmsWasmError({ name: 'ValidationError', message: 'blob: expected the bytes encrypt returned, not a string (decode it first if it was stored as base64)', field: 'blob' });
  return requiredBytes(value, 'blob');
}

function bytes(value, field) {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new KmsWasmError({ name: 'ValidationError', message: `${field}: expected a Uint8Array or a string`, field });
}

const defaultEnv = () => globalThis.process?.env ?? {};

// ---- provisioning ---------------------------------------------------------------------------

/**
 * Creates (or finds again, and reconciles) the key of `<app>/<environment>/<service>` and its
 * alias. Every option is checked before the first request; errors name the option (`field`).
 * Resolves to `{ KeyMetadata, AliasName, AliasArn, variables, created }`.
 */
export async function provisionKey(kms, options) {
  checkClient(kms);
  refuseUnknownProvisionOptions(options);
  // SDK-style tags may name a key twice; one of the values would be dropped in silence.
  const tagKeys = Array.isArray(options?.tags) ? options.tags.map((t) => t?.TagKey) : [];
  const repeated = tagKeys.find((k, i) => tagKeys.indexOf(k) !== i);
  if (repeated !== undefined) throw new KmsWasmError({ name: 'ValidationError', message: `tags: the tag ${JSON.stringify(repeated)} is given twice`, field: 'tags' });
  const wasm = await kms._wasm();
  const r = await lifted(() => wasmProvisionKey(wasm, options));
  return { KeyMetadata: keyMetadata(r.keyMetadata), AliasName: r.aliasName, AliasArn: r.aliasArn, variables: { ...r.variables }, created: r.created };
}

/**
 * Schedules the deletion of the key of an alias (a name, or the one provisioning `options` name)
 * after `deletionWindowInDays` (else the options' window, else 30), then deletes the alias.
 * Resolves to `{ KeyId, AliasName, DeletionDate, PendingWindowInDays }`.
 */
export async function retireKey(kms, aliasOrOptions, deletionWindowInDays) {
  checkClient(kms);
  if (typeof aliasOrOptions === 'object') refuseUnknownProvisionOptions(aliasOrOptions);
  // In range before wasm's 32-bit integer could wrap it (2^32 + 7 would read as 7).
  if (deletionWindowInDays !== undefined && !(Number.isInteger(deletionWindowInDays) && deletionWindowInDays >= 7 && deletionWindowInDays <= 30)) {
    throw new KmsWasmError({ name: 'ValidationError', message: 'deletionWindowInDays: must be an integer from 7 to 30', field: 'deletionWindowInDays' });
  }
  const wasm = await kms._wasm();
  const r = await lifted(() => wasmRetireKey(wasm, aliasOrOptions, deletionWindowInDays));
  return { KeyId: r.keyId, AliasName: r.aliasName, DeletionDate: seconds(r.deletionDate), PendingWindowInDays: r.pendingWindowInDays };
}

const PROVISION_OPTIONS = ['app', 'environment', 'service', 'alias', 'autoRotate', 'rotationPeriodInDays', 'description', 'keySpec', 'keyUsage', 'policy', 'deletionWindowInDays', 'multiRegion', 'enabled', 'tags'];
const refuseUnknownProvisionOptions = (options) => refuseUnknownOptions(options, PROVISION_OPTIONS, 'provisioning', 'ValidationError');

// ---- the wrapper ----------------------------------------------------------------------------

/**
 * Envelope encryption with one KMS key; every blob records the key that encrypted it, so
 * rotating the key or configuring another one leaves old blobs decryptable.
 * Only symmetric encryption keys; a disabled or pending-deletion key fails encrypt/decrypt
 * with DisabledException / KMSInvalidStateException while describe() still works.
 */
const HANDLE = Symbol('handle');

export class KmsWrapper {
  #handle;

  /** `new KmsWrapper({ client, keyId, onAudit })`: over an existing kms-wasm KMS (any credentials). */
  constructor(options = {}) {
    const { client, keyId, onAudit, [HANDLE]: handle } = options;
    if (handle) {
      this.#handle = handle;
      return;
    }
    // A misspelt option would otherwise vanish without a word.
    refuseUnknownOptions(options, ['client', 'keyId', 'onAudit'], 'KmsWrapper');
    checkClient(client, 'client');
    this.#handle = client._wasm().then((wasm) => lifted(() => WasmKmsWrapper.fromClient(wasm, withQuietAudit({ keyId, onAudit }))));
    this.#handle.catch(() => {}); // reported by the first call
  }

  /**
   * A wrapper configured field by field from `config` ({ region, accessKey, secretKey,
   * sessionToken, keyId, endpoint, onAudit }), else `env` (AWS_REGION / AWS_DEFAULT_REGION,
   * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWSKMS_WRAPPER_KEY_ID,
   * AWS_KMS_ENDPOINT), else defaults. Rejects with an error naming the field or variable.
   */
  static async fromConfig(config = {}, env = defaultEnv()) {
    // A misspelt field (`keyID`) would otherwise fall back to the environment's value in silence.
    refuseUnknownOptions(config, ['region', 'accessKey', 'secretKey', 'sessionToken', 'keyId', 'endpoint', 'onAudit'], 'KmsWrapper.fromConfig');
    await ready();
    const handle = await lifted(() => WasmKmsWrapper.fromConfig(withQuietAudit(config), env));
    return new KmsWrapper({ [HANDLE]: Promise.resolve(handle) });
  }

  /** ARN of the KMS key a blob names (no KMS call). */
  static async keyIdOf(blob) {
    await ready();
    return lifted(() => WasmKmsWrapper.keyIdOf(blobBytes(blob)));
  }

  /** The configured key id, as given. */
  async keyId() {
    return (await this.#handle).keyId;
  }

  /** Encrypts `plaintext` (bytes or a string); `aad` must be given again to decrypt. */
  async encrypt(plaintext, aad) {
    const h = await this.#handle;
    return lifted(() => h.encrypt(requiredBytes(plaintext, 'plaintext'), bytes(aad, 'aad')));
  }

  /** Decrypts a blob with the key it names. */
  async decrypt(blob, aad) {
    const h = await this.#handle;
    return lifted(() => h.decrypt(blobBytes(blob), bytes(aad, 'aad')));
  }

  /** DescribeKey of the configured key: SDK-shaped KeyMetadata, whatever the key's state. */
  async describe() {
    const h = await this.#handle;
    return keyMetadata(await lifted(() => h.describe()));
  }
}

// ---- credential providers -------------------------------------------------------------------

// A provider is an async function, as in @aws-sdk/credential-providers, so it also works as
// `credentials` of the AWS SDK. The wasm handle is made on first use (the module may still be
// loading when the provider is created); `__kmsWasmProvider` lets `new KMS({ credentials })`
// use the Rust provider directly. The Rust side caches: refresh 5 minutes before expiry,
// one fetch in flight however many callers wait.
function provider(make) {
  let handle;
  const get = () => (handle ??= make());
  const fn = async () => {
    await ready();
    return lifted(() => get().credentials());
  };
  Object.defineProperty(fn, '__kmsWasmProvider', {
    get() {
      try {
        return get().id;
      } catch {
        return undefined; // the function itself reports the error on first use
      }
    },
  });
  /** Forgets the cached credentials (e.g. after KMS rejected them). */
  fn.invalidate = () => handle?.invalidate();
  fn[Symbol.for('kms-wasm.checkProvider')] = get; // KMSClient calls it first: a ConfigError surfaces as such
  return fn;
}

/** Temporary credentials from STS AssumeRoleWithWebIdentity (an unsigned call). */
export function fromWebIdentity(options = {}) {
  return provider(() => {
    refuseUnknownOptions(options, ['region', 'roleArn', 'webIdentityToken', 'tokenProvider', 'roleSessionName', 'durationSeconds', 'policy', 'endpoint', 'useFipsEndpoint', 'requestTimeout'], 'fromWebIdentity');
    return WasmCredentialsProvider.webIdentity(options);
  });
}

/** Temporary credentials from a Cognito identity pool (GetId + GetCredentialsForIdentity, unsigned). */
export function fromCognitoIdentityPool(options = {}) {
  const given = options;
  const logins = options?.logins;
  if (logins && typeof logins === 'object' && Object.values(logins).some((v) => typeof v === 'function')) {
    // As the SDK's: a login may be a function giving its token, asked at every refresh. Resolved
    // here; wasm reads the whole set as JSON.
    const { logins: _, ...rest } = options;
    const entries = Object.entries(logins);
    options = {
      ...rest,
      async loginsSource() {
        const tokens = {};
        for (const [name, token] of entries) {
          tokens[name] = typeof token === 'function' ? await token() : token;
          if (typeof tokens[name] !== 'string') throw new KmsWasmError({ name: 'ConfigError', message: `logins: ${name} must be or give a token string`, field: 'logins' });
        }
        return JSON.stringify(tokens);
      },
    };
  }
  return provider(() => {
    refuseUnknownOptions(given, ['identityPoolId', 'logins', 'accountId', 'customRoleArn', 'identityId', 'endpoint', 'useFipsEndpoint', 'requestTimeout'], 'fromCognitoIdentityPool');
    return WasmCredentialsProvider.cognito(options);
  });
}

/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN of `env` (default `process.env`), read on first use. */
export function fromEnv(env) {
  return provider(() => WasmCredentialsProvider.env(env ?? defaultEnv()));
}

/** The caller's async function, cached like the others (refreshed 5 minutes before `expiration`). */
export function fromFunction(fn) {
  if (typeof fn !== 'function') throw new KmsWasmError({ name: 'ConfigError', message: 'fromFunction: expects a function', field: 'credentials' });
  return provider(() => WasmCredentialsProvider.function(fn));
}
