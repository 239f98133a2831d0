// The public JavaScript API of kms-wasm, shared by every runtime entry
// (browser/bundler: index.js, Node: node.js, workerd: workerd.js), which each export it
// and deploy.js beside it (deploy.js builds on this module, so this one does not import it).
// Shapes follow @aws-sdk/client-kms: PascalCase members, Uint8Array blobs,
// Date timestamps, errors whose `name` is the KMS exception.
import { WasmKms, WasmKeyring, WasmEncryptor, WasmDecryptor, encryptMessage, decryptMessage } from './kms_wasm.js';
import { OPERATIONS, EXCEPTION_CLASSES, KMSCommand } from './model.js';
import { KMSServiceException, KmsWasmError } from './errors.js';
import { withQuietAudit } from './audit.js';
import { refuseUnknownOptions, setOwn } from './own.js';

export * from './model.js';
export { KMSServiceException, KmsWasmError } from './errors.js';

/** On kms-wasm's provider functions (deploy.js): builds the provider, throwing if its options are wrong. */
const CHECK_PROVIDER = Symbol.for('kms-wasm.checkProvider');

let initializing;
// Each entry sets how the module loads (index.js) or loads it itself (node.js, workerd.js), so
// wasm-bindgen's own fetching `init()` is never used, and bundlers leave it out.
let load = () => Promise.reject(new Error('kms-wasm: import the package through one of its entries'));
/**
 * Loads the wasm module once; every API call awaits it, so calling it yourself is optional.
 * A load that failed (a network error fetching the .wasm) is tried again by the next call.
 */
export function ready() {
  return (initializing ??= load().catch((e) => {
    initializing = undefined;
    // The .wasm not arriving (a fetch that failed, a 404: NetworkError) or not compiling (a page
    // served in its place: CompileError) is a typed error like any other; the runtime's own
    // refusals (UnsupportedRuntimeError) pass as they are.
    if (e instanceof KmsWasmError) throw e;
    const name = e instanceof WebAssembly.CompileError ? 'CompileError' : 'NetworkError';
    throw new KmsWasmError({ name, message: `kms-wasm could not load its .wasm: ${e?.message ?? e}`, $fault: name === 'NetworkError' ? 'server' : 'client', cause: e });
  }));
}
export function markReady(promiseOrValue) {
  initializing = Promise.resolve(promiseOrValue);
}
/** How `ready()` loads the module (entries only). */
export function useLoader(loader) {
  load = loader;
}

// ---- conversions between SDK shapes and the JSON wire form -------------------------------

function bytesToBase64(bytes) {
  // Read from the view's own offset: a subarray is not its buffer.
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function base64ToBytes(text, path) {
  let binary;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError(`${path}: not base64`);
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// Text is taken as UTF-8 where the SDKs take it (blobs, plaintext); never for a key or a message.
function toBytes(value, path, text = true) {
  if (typeof value === 'string' && text) return new TextEncoder().encode(value);
  const isBuffer = value instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer);
  if (!isBuffer && !ArrayBuffer.isView(value)) throw kmsWasmError('ValidationError', `${path}: expected a Uint8Array`, path);
  // A detached buffer reads as empty: refused rather than taken for no bytes (where it can be told).
  if ((isBuffer ? value : value.buffer).detached) throw detachedError(path);
  let bytes;
  try {
    // A plain Uint8Array over the same bytes, also for a Node Buffer: its slice() is a view, and
    // what is kept past the call (a wrapping key, the tail of a stream's chunk) must be a copy.
    // An empty one is looked at again: a detached buffer's views read as empty, and where
    // `detached` is unknown (Node 20) only a new view over its buffer tells (it throws).
    bytes = Object.getPrototypeOf(value) === Uint8Array.prototype && value.length ? value : isBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  } catch {
    throw detachedError(path); // a detached ArrayBuffer, where `detached` is unknown (Node 20)
  }
  // A view of shared memory is copied: WebCrypto refuses those (and another thread could change them meanwhile).
  return bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
}

const detachedError = (path) => kmsWasmError('ValidationError', `${path}: the buffer is detached (transferred)`, path);

/** For a one-shot call's input, read across awaits: the error if it is no longer all there. */
function changedError(bytes, length, path) {
  return bytes.length !== length && kmsWasmError('ValidationError', `${path}: the buffer was detached or resized during the call`, path);
}

function checkUnchanged(bytes, length, path) {
  const changed = changedError(bytes, length, path);
  if (changed) throw changed;
}

/** What a one-shot call throws for `e`: the input's detachment if that is what `e` came of. */
function callError(e, bytes, length, path) {
  return changedError(bytes, length, path) || liftError(e);
}

function convert(value, map, toWire, path) {
  if (value === undefined || value === null || !map) return value;
  if (map === 'b') return toWire ? bytesToBase64(toBytes(value, path)) : base64ToBytes(value, path);
  if (map === 't') {
    if (!toWire) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${path}: not a number of seconds`);
      // Rounded as the SDK rounds: KMS sends milliseconds, emulators (moto) microseconds.
      return new Date(Math.round(value * 1000));
    }
    const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value * 1000 : Date.parse(value);
    if (!Number.isFinite(ms)) throw kmsWasmError('ValidationError', `${path}: expected a Date`, path);
    return ms / 1000;
  }
  if (Array.isArray(map)) return Array.isArray(value) ? value.map((v, i) => convert(v, map[0], toWire, `${path}[${i}]`)) : value;
  if (typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    setOwn(out, k, convert(v, map['*'] ?? map[k], toWire, path ? `${path}.${k}` : k));
  }
  return out;
}

// Text JSON can carry but Unicode cannot: a lone UTF-16 surrogate.
const LONE_SURROGATE = /\p{Cs}/u;
// Objects JSON.stringify would turn into something else: `{}` for a Date in a string's place, a Map or a Set.
const notJson = (v) => v instanceof Date || v instanceof Map || v instanceof Set || v instanceof ArrayBuffer || ArrayBuffer.isView(v);

/**
 * A JSON value as the SDK sends and gives it: no null or undefined member or list item (in an
 * answer too), no `$`-named top-level member (the `$metadata` of an output spread into an
 * input), and, in an input, a ValidationError for what JSON cannot say (BigInt, NaN, Infinity,
 * a cycle, a Date or a Map where the model has no timestamp or structure, a lone surrogate).
 */
function wireValue(value, path, input, within = []) {
  const refuse = (why) => kmsWasmError('ValidationError', `${path || 'input'}: ${why}`, path || undefined);
  if (typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value))) throw refuse(`${value} is not a JSON number`);
  if (input && typeof value === 'string' && LONE_SURROGATE.test(value)) throw refuse('has a lone UTF-16 surrogate (not Unicode text)');
  if (value === null || typeof value !== 'object') return value;
  if (input && notJson(value)) throw refuse(`a ${value.constructor.name} is not valid here`);
  if (within.includes(value)) throw refuse('refers to itself');
  // KMS shapes nest a few levels: deeper is not one, and recursing on would overflow the stack.
  if (within.length > 99) throw refuse('nests too deep');
  within.push(value);
  let out;
  if (Array.isArray(value)) {
    out = value.filter((v) => v != null).map((v, i) => wireValue(v, `${path}[${i}]`, input, within));
  } else {
    out = {};
    for (const [k, v] of Object.entries(value)) {
      if (v == null || (path === '' && k.startsWith('$'))) continue;
      const at = path ? `${path}.${k}` : k;
      if (input && LONE_SURROGATE.test(k)) throw kmsWasmError('ValidationError', `${at}: the key has a lone UTF-16 surrogate (not Unicode text)`, at);
      setOwn(out, k, wireValue(v, at, input, within));
    }
  }
  within.pop();
  return out;
}

// ---- errors -------------------------------------------------------------------------------

function kmsWasmError(name, message, field) {
  return new KmsWasmError({ name, message, field });
}

/** Re-types an error thrown by the wasm module as the matching class. */
export function liftError(e) {
  if (!(e instanceof Error) || e instanceof KMSServiceException || e instanceof KmsWasmError) return e;
  const opts = { name: e.name, message: e.message, $fault: e.$fault, $metadata: e.$metadata, field: e.field, code: e.code };
  if (e.kind === 'Service') {
    // A model exception's class knows its fault; wasm's `$fault` says only whether the answer was a 5xx.
    const cls = EXCEPTION_CLASSES[e.name];
    return cls ? new cls(opts) : new KMSServiceException(opts);
  }
  return new KmsWasmError(opts);
}

// ---- the client ---------------------------------------------------------------------------

const lowerFirst = (s) => s[0].toLowerCase() + s.slice(1);

// Where an entry can read more of the environment than wasm (Node: a web identity token file,
// a container credentials endpoint), the credentials it finds there when the variables hold no keys.
let envCredentials;
/** Installs `(env, options) → provider | undefined` for `fromEnv` (entries only). */
export function useEnvCredentials(finder) {
  envCredentials = finder;
}

/**
 * A KMS client shaped like `KMSClient` of @aws-sdk/client-kms:
 * `new KMSClient({ region, endpoint, credentials })`, then
 * `await client.send(new EncryptCommand({ KeyId, Plaintext }))`.
 */
export class KMSClient {
  #options;
  #env;
  #wasm;
  // `.last`: what the caller's credentials function last threw, the cause of a CredentialsProviderError.
  // A holder, not a field the wrapper sets through `this`: wasm keeps the wrapper as a GC root,
  // which would then keep this client, and its wasm side, alive for ever.
  #credentialsFailure = {};

  constructor(options = {}, env) {
    // The SDK's way to set the timeout: `requestHandler` as its handler's options (where 0 is none).
    const handler = options?.requestHandler;
    if (options?.requestTimeout === undefined && handler?.constructor === Object && 'requestTimeout' in handler) options = { ...options, requestTimeout: handler.requestTimeout === 0 ? Infinity : handler.requestTimeout };
    this.#options = options;
    this.#env = env;
  }

  /** A client configured from environment variables (`process.env`, a Worker's `env`). */
  static fromEnv(env, options = {}) {
    env ??= {};
    const credentials = options?.credentials ?? envCredentials?.(env, options ?? {});
    return new this(credentials ? { ...options, credentials } : options, env);
  }

  /** The caller's own credentials function (not a kms-wasm provider), noting what it throws. */
  #keepingCredentialsFailure(options) {
    const given = options?.credentials;
    if (typeof given !== 'function' || '__kmsWasmProvider' in given) return options;
    const failure = this.#credentialsFailure;
    const credentials = async () => {
      try {
        return await given();
      } catch (e) {
        failure.last = e;
        throw e;
      }
    };
    return { ...options, credentials };
  }

  /** @internal the wasm client (created on first use). */
  async _wasm() {
    await ready();
    try {
      if (!this.#wasm) {
        // Once, as the client is made: a kms-wasm provider that refuses its options says so
        // here, as the ConfigError naming the option.
        this.#options.credentials?.[CHECK_PROVIDER]?.();
        this.#wasm = new WasmKms(this.#keepingCredentialsFailure(withQuietAudit(this.#options)), this.#env);
      }
      return this.#wasm;
    } catch (e) {
      throw liftError(e);
    }
  }

  /**
   * Calls any operation by name with an SDK-shaped input. `options.abortSignal`, as @aws-sdk's,
   * cancels the request in flight and any retry, and the call rejects with an `AbortError`.
   */
  async call(operation, input = {}, options) {
    const maps = OPERATIONS[operation];
    if (!maps) throw kmsWasmError('ValidationError', `unknown operation ${operation}`, 'operation');
    if (options != null && typeof options !== 'object') {
      // The SDK's callback style: the promise would be the only answer, and the callback never called.
      throw kmsWasmError('ValidationError', typeof options === 'function' ? 'options: kms-wasm takes no callback; await the promise it returns' : 'options: must be an object', 'options');
    }
    const signal = options?.abortSignal;
    if (signal != null && typeof signal.addEventListener !== 'function') throw kmsWasmError('ValidationError', 'abortSignal: expected an AbortSignal', 'abortSignal');
    // Each attempt's timeout for this call, as the SDK's handlers take it (0: none).
    const timeout = options?.requestTimeout;
    if (timeout != null && !(timeout >= 0 && typeof timeout === 'number')) throw kmsWasmError('ValidationError', 'requestTimeout: must be a number of milliseconds (0: none)', 'requestTimeout');
    if (input != null && (typeof input !== 'object' || Array.isArray(input))) throw kmsWasmError('ValidationError', `${operation}: the input must be an object`, 'input');
    const wasm = await this._wasm();
    const body = JSON.stringify(wireValue(convert(input, maps[0], true, '') ?? {}, '', true));
    // Already aborted: nothing is sent (the event will not fire again).
    if (signal?.aborted) throw new KmsWasmError({ name: 'AbortError', message: 'the request was aborted', cause: signal.reason });
    let stopListening;
    const aborted = signal && new Promise((resolve) => {
      signal.addEventListener('abort', resolve, { once: true });
      // When the call ends: a long-lived signal keeps no listener per call, and settling the
      // promise frees what wasm attached to it (a promise that never settles would keep that).
      stopListening = () => {
        signal.removeEventListener('abort', resolve);
        resolve();
      };
    });
    let res;
    try {
      res = await wasm.call(operation, body, aborted, timeout === 0 ? Infinity : (timeout ?? undefined));
    } catch (e) {
      const lifted = liftError(e);
      // What the caller aborted with (`controller.abort(reason)`) is kept, as fetch keeps it; and
      // what their credentials function threw, which the SDK would have rejected with.
      if (lifted?.name === 'AbortError' && signal?.aborted && !('cause' in lifted)) lifted.cause = signal.reason;
      if (lifted?.name === 'CredentialsProviderError' && 'last' in this.#credentialsFailure && !('cause' in lifted)) lifted.cause = this.#credentialsFailure.last;
      throw lifted;
    } finally {
      stopListening?.();
    }
    const $metadata = { httpStatusCode: res.httpStatusCode, requestId: res.requestId, attempts: res.attempts, totalRetryDelay: res.totalRetryDelay };
    let output;
    try {
      let text;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(res.body).trim();
      } finally {
        res.body.fill(0); // a Decrypt answer carries plaintext
      }
      const parsed = text && text !== 'null' ? JSON.parse(text) : {};
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('not a JSON object');
      output = convert(wireValue(parsed, '', false), maps[1], false, '') ?? {};
    } catch (e) {
      // The call may have taken effect: a typed error that says so, not a bare SyntaxError.
      // Not JSON.parse's message: V8 quotes the text around the fault, which may be plaintext.
      throw new KMSServiceException({ name: 'SerializationException', message: `cannot parse the ${operation} answer: ${e instanceof SyntaxError ? 'not JSON' : e.message}`, $fault: 'server', $metadata });
    }
    output.$metadata = $metadata;
    return output;
  }

  /** Sends a command (`new EncryptCommand(input)`, …): the same call as `call(operation, input, options)`. */
  send(command, options) {
    if (!(command instanceof KMSCommand)) return Promise.reject(kmsWasmError('ValidationError', 'send() takes a kms-wasm command such as new EncryptCommand(input)', 'command'));
    return this.call(command.constructor.operation, command.input, options);
  }

  /** Releases the wasm client. */
  destroy() {
    const wasm = this.#wasm;
    this.#wasm = undefined;
    // Not at once: a call (or keyring, wrapper) handed it by `_wasm()` takes it up only as its
    // await resumes, in a microtask still to come. A timer runs after them all.
    if (wasm) setTimeout(() => wasm.free());
  }
}

/**
 * A KMS client shaped like `KMS` of @aws-sdk/client-kms, the aggregated client:
 * `new KMS({ region, endpoint, credentials })`, then `await kms.encrypt({ KeyId, Plaintext })`.
 */
export class KMS extends KMSClient {}

for (const operation of Object.keys(OPERATIONS)) {
  Object.defineProperty(KMS.prototype, lowerFirst(operation), {
    // A callback in either place (SDK style) is refused by `call`, as options that are a function.
    value: function (input, options, callback) { return this.call(operation, input, typeof callback === 'function' ? callback : options); },
    writable: true,
    configurable: true,
  });
}

// ---- paginators (async iterators over pages, as in @aws-sdk/client-kms) -------------------

// Each is also a method of `KMS`, `kms.paginateListKeys(input, config)`, as the SDK's aggregated client has.
function paginator(operation) {
  const paginate = async function* (config, input = {}) {
    const client = config.client;
    let marker = config.startingToken ?? input.Marker;
    const limit = input.Limit ?? config.pageSize; // the SDK's order: the input's own Limit wins
    const sent = new Set(); // a marker handed back again means the server goes round in a circle
    for (;;) {
      const page = await client.call(operation, { ...input, ...(limit ? { Limit: limit } : {}), ...(marker ? { Marker: marker } : {}) });
      yield page;
      sent.add(marker);
      // KMS sends Truncated with every marker; some emulators send only the marker.
      if (page.Truncated === false || !page.NextMarker || sent.has(page.NextMarker)) return;
      marker = page.NextMarker;
    }
  };
  KMS.prototype[`paginate${operation}`] = function (input, config) {
    return paginate({ ...config, client: this }, input);
  };
  return paginate;
}

export const paginateListKeys = paginator('ListKeys');
export const paginateListAliases = paginator('ListAliases');
export const paginateListGrants = paginator('ListGrants');
export const paginateListKeyPolicies = paginator('ListKeyPolicies');
export const paginateListResourceTags = paginator('ListResourceTags');
export const paginateListRetirableGrants = paginator('ListRetirableGrants');
export const paginateListKeyRotations = paginator('ListKeyRotations');
export const paginateDescribeCustomKeyStores = paginator('DescribeCustomKeyStores');

// ---- envelope encryption (shaped like @aws-crypto/client-browser) ------------------------

/** Algorithm suites of the message format v2 (the committing ones; 0x0578 is the default). */
export const AlgorithmSuiteIdentifier = Object.freeze({
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY: 0x0478,
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578,
});

/** Raw AES wrapping suites, as client-node numbers them (a `RawAesKeyring`'s key length chooses one). */
export const RawAesWrappingSuiteIdentifier = Object.freeze({
  AES128_GCM_IV12_TAG16_NO_PADDING: 0x0014,
  AES192_GCM_IV12_TAG16_NO_PADDING: 0x0046,
  AES256_GCM_IV12_TAG16_NO_PADDING: 0x0078,
});

/** Commitment policies, as in the official SDKs. */
export const CommitmentPolicy = Object.freeze({
  REQUIRE_ENCRYPT_REQUIRE_DECRYPT: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT',
  REQUIRE_ENCRYPT_ALLOW_DECRYPT: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT',
  FORBID_ENCRYPT_ALLOW_DECRYPT: 'FORBID_ENCRYPT_ALLOW_DECRYPT',
});

async function lift(promiseFn) {
  try {
    return await promiseFn();
  } catch (e) {
    throw liftError(e);
  }
}

// Keyring options are checked when the keyring is made, as the official SDKs do, and so that
// no value of the wrong type reaches wasm-bindgen's glue (a number for a string traps there).
function requireOption(ok, field, message) {
  if (!ok) throw kmsWasmError('ConfigError', `${field}: ${message}`, field);
}
const isText = (v) => typeof v === 'string' && v !== '';
const isTextList = (v) => Array.isArray(v) && v.every(isText);
// The forms KMS takes. Anything else (`key/…` without its ARN, a stray space) KMS would refuse
// only at the first call, and on decrypt it would match no message: refused here, as the SDKs do.
const isKeyId = (v) => isText(v) && /^((arn:[^:]+:kms:[^:]+:[^:]+:)?alias\/[\w/-]+|arn:[^:]+:kms:[^:]+:[^:]+:key\/[\w-]+|[\w-]+)$/.test(v);

/** Shows what a keyring was built from; read-only, since changing it would change nothing. */
function readOnly(keyring, values) {
  for (const [name, value] of Object.entries(values)) Object.defineProperty(keyring, name, { value, enumerable: true });
}

export class Keyring {
  #wasm;
  /** @internal a fresh wasm handle on this keyring (wasm calls may consume handles). */
  async _handle() {
    if (!this.#wasm) this.#wasm = await lift(() => this._build());
    return this.#wasm.clone();
  }

  /** @internal what the three keyrings below build; a subclass of the caller's own has none. */
  _build() {
    throw kmsWasmError('ConfigError', 'keyring: must be a KmsKeyring, RawAesKeyring or MultiKeyring (a keyring class of your own cannot run here)', 'keyring');
  }
}

/**
 * KMS keyring: `new KmsKeyring({ client, generatorKeyId, keyIds })`, or a discovery keyring
 * `new KmsKeyring({ client, discovery: true, discoveryFilter: { partition, accountIds } })`.
 * `client` is a kms-wasm `KMS`.
 */
export class KmsKeyring extends Keyring {
  #options;
  constructor(options = {}) {
    super();
    knownKeyringOptions(options, ['client', 'generatorKeyId', 'keyIds', 'discovery', 'discoveryFilter', 'grantTokens']);
    let { client, generatorKeyId, keyIds, discovery, discoveryFilter, grantTokens } = options;
    // null reads as "not given", as undefined does.
    [generatorKeyId, discoveryFilter, keyIds, grantTokens, discovery] = [generatorKeyId ?? undefined, discoveryFilter ?? undefined, keyIds ?? [], grantTokens ?? [], discovery ?? false];
    requireOption(client instanceof KMSClient, 'client', 'must be a kms-wasm KMS or KMSClient');
    requireOption(generatorKeyId === undefined || isKeyId(generatorKeyId), 'generatorKeyId', 'must be a key id, key ARN or alias');
    requireOption(Array.isArray(keyIds) && keyIds.every(isKeyId), 'keyIds', 'must be an array of key ids, key ARNs or aliases');
    requireOption(typeof discovery === 'boolean', 'discovery', 'must be true or false');
    requireOption(isTextList(grantTokens), 'grantTokens', 'must be an array of strings');
    if (discovery) {
      requireOption(generatorKeyId === undefined && !keyIds.length, 'discovery', 'a discovery keyring takes no generatorKeyId or keyIds');
      const f = discoveryFilter;
      // A member it does not take (a region limit, say) would be dropped in silence.
      requireOption(Object.keys(f ?? {}).every((name) => name === 'partition' || name === 'accountIds'), 'discoveryFilter', "takes only partition and accountIds (client-node's accountIDs is accountIds)");
      requireOption(f === undefined || (isText(f?.partition) && isTextList(f.accountIds) && f.accountIds.length > 0), 'discoveryFilter', 'must be { partition, accountIds } with at least one account id');
    } else {
      requireOption(discoveryFilter === undefined, 'discoveryFilter', 'applies to discovery keyrings only (discovery: true)');
      requireOption(generatorKeyId !== undefined || keyIds.length > 0, 'generatorKeyId', 'a KMS keyring needs a generator or at least one key id (or use discovery)');
    }
    const filter = discoveryFilter && Object.freeze({ partition: discoveryFilter.partition, accountIds: Object.freeze([...discoveryFilter.accountIds]) });
    // Copies, so that what was checked is what gets built.
    this.#options = Object.freeze({ client, generatorKeyId, keyIds: Object.freeze([...keyIds]), discovery, discoveryFilter: filter, grantTokens: Object.freeze([...grantTokens]) });
    readOnly(this, this.#options);
  }
  async _build() {
    const o = this.#options;
    return WasmKeyring.kms(await o.client._wasm(), o.generatorKeyId, o.keyIds, o.discovery, o.discoveryFilter, o.grantTokens);
  }
}

/** Raw AES keyring, interoperable with the official SDKs' raw AES keyrings. */
export class RawAesKeyring extends Keyring {
  #key;
  #names;
  constructor(options = {}) {
    super();
    knownKeyringOptions(options, ['keyName', 'keyNamespace', 'wrappingKey', 'wrappingSuite', 'utf8Sorting']);
    const { keyName, keyNamespace, wrappingKey, wrappingSuite, utf8Sorting } = options;
    // client-node's: kms-wasm always orders the context in UTF-8 byte order, as the spec does.
    requireOption(utf8Sorting === undefined || utf8Sorting === true, 'utf8Sorting', 'kms-wasm orders the encryption context in UTF-8 byte order, as the specification (utf8Sorting: true); leave it out');
    // Not empty, as client-node; no lone surrogate, which UTF-8 would write as U+FFFD: two names
    // would then be one.
    const isName = (v) => typeof v === 'string' && v !== '' && !LONE_SURROGATE.test(v);
    requireOption(isName(keyName), 'keyName', 'must be a non-empty string of Unicode text (no lone surrogate)');
    requireOption(isName(keyNamespace), 'keyNamespace', 'must be a non-empty string of Unicode text (no lone surrogate)');
    // The spec reserves it: EDKs under `aws-kms` are KMS keyrings' to open.
    requireOption(!keyNamespace.startsWith('aws-kms'), 'keyNamespace', 'the namespace aws-kms is reserved for KMS keyrings');
    const key = toBytes(wrappingKey, 'wrappingKey', false);
    requireOption([16, 24, 32].includes(key.length), 'wrappingKey', `must be 128, 192 or 256 bits, not ${key.length * 8}`);
    // client-node's (RawAesWrappingSuiteIdentifier's number, or its name): the key's
    // length chooses the suite here; one named must agree with it.
    const suite = `AES${key.length * 8}_GCM_IV12_TAG16_NO_PADDING`;
    requireOption(wrappingSuite === undefined || wrappingSuite === suite || wrappingSuite === RawAesWrappingSuiteIdentifier[suite], 'wrappingSuite', `a ${key.length * 8}-bit wrappingKey is ${suite}; the key's length chooses it, so it may be left out`);
    // Built from the checked copy: a later assignment to the properties cannot get past the checks.
    this.#names = [keyNamespace, keyName];
    readOnly(this, { keyName, keyNamespace });
    this.#key = key.slice();
  }
  async _build() {
    await ready();
    return WasmKeyring.rawAes(...this.#names, this.#key);
  }
}

/** Multi-keyring: the generator makes the data key; every child wraps it as well. */
export class MultiKeyring extends Keyring {
  #keyrings;
  constructor(options = {}) {
    super();
    knownKeyringOptions(options, ['generator', 'children']);
    let { generator, children } = options;
    [generator, children] = [generator ?? undefined, children ?? []];
    requireOption(generator === undefined || generator instanceof Keyring, 'generator', 'must be a keyring');
    requireOption(Array.isArray(children) && children.every((c) => c instanceof Keyring), 'children', 'must be an array of keyrings');
    requireOption(generator !== undefined || children.length > 0, 'generator', 'a multi-keyring needs a generator or children');
    this.#keyrings = { generator, children: Object.freeze([...children]) };
    readOnly(this, this.#keyrings);
  }
  async _build() {
    const { generator, children } = this.#keyrings;
    const gen = generator ? await generator._handle() : undefined;
    const kids = [];
    for (const c of children) kids.push(await c._handle());
    return WasmKeyring.multi(gen, kids);
  }
}

/**
 * A keyring refuses options it does not take, naming them (a misspelt `keyIds` would leave a
 * key out of every message), and says kms-wasm's name for client-node's (own.js).
 */
function knownKeyringOptions(options, allowed) {
  requireOption(options !== null && typeof options === 'object', 'options', 'must be an object');
  refuseUnknownOptions(options, allowed, 'this keyring');
}

function checkKeyring(keyring) {
  if (!(keyring instanceof Keyring)) throw kmsWasmError('ConfigError', 'keyring: must be a KmsKeyring, RawAesKeyring or MultiKeyring', 'keyring');
}

// Bulk AES-GCM goes through WebCrypto where the runtime has it (browsers, workerd; Node uses
// node:crypto, below): it is several times faster than AES in wasm. wasm still derives the
// keys, writes the header, frame IVs/AADs and the signature, so the bytes equal those of the
// wasm-only path (tests/js/webcrypto.test.mjs compares them). Several frames are in flight at
// once: 16 rather than 8 was no slower in A/B runs and left less peak memory when streaming
// 256 MiB in Node (59.6-66.2 vs 65.7-67.2 MiB), V8's collections then falling at better moments.
const subtle = globalThis.crypto?.subtle;
const FRAMES_IN_FLIGHT = 16;
// Node's AES-GCM is done by the time a frame is queued: a stream gives each frame out at once
// rather than holding finished frames. A one-shot call (`copies`) keeps the batches.
const inFlightLimit = (sync, copies) => (sync && !copies ? 1 : FRAMES_IN_FLIGHT);
// How much of a chunk goes into wasm per call when decrypting: wasm memory never shrinks, and
// a few frames per piece keep WebCrypto busy while wasm parses (and maybe hashes) the next.
const FEED_PIECE = 1 << 18;
// The largest element a stream gathers into a buffer of its own before its bytes arrive; a
// larger one (a frame over 4 MiB, a non-framed body) once half of it is here.
const GATHER_MAX = 1 << 22;
let webCryptoDisabled = false;
/** Turns the native AES-GCM fast path (WebCrypto, and Node's below) off or on again; for tests and benchmarks. */
export function useWebCrypto(on) {
  webCryptoDisabled = !on;
}

// Node's entry installs `node:crypto`'s AES-GCM, run on this thread: each WebCrypto call there
// copies its input into a job for the threadpool and gives back a fresh buffer, which cost this
// thread more than the AES itself (and left more garbage: a 256 MiB stream peaked 3-5 MiB
// higher). It pauses after each PAUSE_AFTER bytes (about 1 ms of work) so that the event loop
// keeps turning.
let syncAesGcm;
const PAUSE_AFTER = 1 << 20;
/**
 * Installs a synchronous AES-GCM (entries only): `{ key(raw), seal(key, iv, aad, plaintext) →
 * [ciphertext, tag], open(key, iv, aad, ciphertextAndTag) → plaintext or null, pause() →
 * Promise, release?(bytes) }`. `key` copies what it needs; `release` may free what `seal` or
 * `open` returned, once it was copied. Returns the one it replaces.
 */
export function useSyncAesGcm(cipher) {
  const previous = syncAesGcm;
  syncAesGcm = cipher;
  return previous;
}

/** Counts bytes through `sync`: the function returned gives `sync.pause()` once PAUSE_AFTER more went through, else undefined. */
function pacer(sync) {
  let unpaused = 0;
  return (n) => {
    if ((unpaused += n) < PAUSE_AFTER) return undefined;
    unpaused = 0;
    return sync.pause();
  };
}

// Signed suites (0x0578) hash the whole message with SHA-384. Where an entry installs a
// hasher, JS hashes and wasm signs or verifies the digest: Node's entry hashes with
// `node:crypto` (about twice wasm's speed), the browser entry in a Worker (browsers run
// AES-GCM on the calling thread, so a hash there would wait for it); large messages go to a
// worker (hash-worker.js). Otherwise wasm hashes on this thread. (`crypto.subtle.digest` is no
// substitute: it is not incremental, and Chromium runs it on the calling thread too.)
let externalSha384;
/**
 * Installs a SHA-384 (entries only): `factory(length)` gives, or resolves to, `{ update(bytes),
 * digest(), abort?(), give?(bytes) }` or undefined (then wasm hashes); `length` is the message's
 * length if known (one-shot calls), else Infinity (streams). `update` and `give` may return a
 * promise to wait for (backpressure) and `digest` may resolve to the 48 bytes; `give` is
 * `update` for bytes that are a whole buffer the caller never touches again (it may move it).
 * Returns the factory it replaces.
 */
export function useExternalSha384(factory) {
  const previous = externalSha384;
  externalSha384 = factory;
  return previous;
}

// `length`: the plaintext's, for a one-shot call (a stream's is Infinity). `copies`: `emit`
// copies what it is given (a one-shot result written at once), so frames can be released after.
async function nativeSealer(encryptor, emit, length = Infinity, copies = false) {
  const sync = syncAesGcm;
  const rawKey = encryptor.contentKey();
  let key;
  try {
    key = sync ? sync.key(rawKey) : await subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt']);
  } finally {
    rawKey.fill(0);
  }
  const seal = sync
    ? (iv, additionalData, plaintext) => sync.seal(key, iv, additionalData, plaintext)
    // Not an async function: its frame would keep the caller's whole chunk alive until sealed
    // (+15 MiB of peak when streaming 256 MiB).
    : (iv, additionalData, plaintext) => subtle.encrypt({ name: 'AES-GCM', iv, additionalData, tagLength: 128 }, key, plaintext).then((sealed) => [new Uint8Array(sealed)]);
  const frameLength = encryptor.frameLength;
  const signing = encryptor.signing;
  const hash = signing ? await externalSha384?.(length) : undefined;
  const absorbInWasm = signing && !hash;
  const inFlight = [];
  const inFlightMax = inFlightLimit(sync, copies);
  let seq = 0;
  const paced = sync && pacer(sync);
  // Grows to a frame as needed: a large frameLength with little data allocates little.
  let pending = new Uint8Array(Math.min(frameLength, 1 << 16));
  let filled = 0;
  // Each returns a promise only when the writer or the hasher asks to wait: streams, whose
  // writer never does, then take no extra turns (which showed in their peak memory).
  // `moved`: the hasher may take `bytes`' buffer (`give`) instead of copying them.
  const absorb = (bytes, moved) => {
    if (moved) return hash.give(bytes);
    if (hash) return hash.update(bytes);
    if (absorbInWasm) encryptor.absorb(bytes);
  };
  const out = (bytes, moved = false) => {
    const writing = emit(bytes);
    return writing ? writing.then(() => absorb(bytes, moved)) : absorb(bytes, moved);
  };
  const header = encryptor.externalHeader();
  await emit(header);
  await hash?.update(header); // the wasm hash already has it
  const release = copies && sync?.release;
  // Once copied into a one-shot result, a sealed frame in a buffer of its own is moved to the
  // hash worker rather than copied there (Node 20, 64 MiB 0x0578 encrypt medians 429-476 ->
  // 468-510 MB/s).
  const movable = (part) => copies && hash?.give && part.length >= 4096 && part.byteOffset === 0 && part.byteLength === part.buffer.byteLength;
  /** Writes (and hashes) a sealed frame; then the parts not moved to the hasher may be released. */
  const writeFrame = async (prefix, parts) => {
    if (length === Infinity && parts.length > 1) {
      // A stream gives a frame sealed in parts (node:crypto's ciphertext and tag) as one chunk,
      // not its tag alone. WebCrypto's one part (ciphertext and tag) goes out after the prefix
      // as it is: a fresh buffer per frame to join them cost more than a reader pays for two
      // chunks (Chromium, 64 MiB in 64 KiB chunks, medians of three runs: encryptStream
      // 0x0478 330-344 -> 445-483 MB/s, piped into decryptStream 208-214 -> 239-242). A
      // one-shot result takes the parts as they are, even one that keeps them for a while
      // (a browser's, until its buffer arrives): joining them there was a second copy of the
      // whole message (Chromium, 64 MiB 0x0478 encrypt: a third of the time).
      const frame = joined([prefix, ...parts]);
      if (sync?.release) for (const part of parts) sync.release(part);
      return out(frame);
    }
    await out(prefix);
    for (const part of parts) {
      const moved = movable(part);
      const writing = out(part, moved); // a promise only when the writer or the hasher asks to wait
      if (writing) await writing;
      if (release && !moved) release(part);
    }
  };
  const drainOne = async () => {
    const { prefix, sealed } = inFlight.shift();
    await writeFrame(prefix, await sealed);
  };
  const drainTo = inOrder(inFlight, drainOne);
  const sealFull = async (frame) => {
    // Sequence numbers are 32-bit and 0xFFFFFFFF is the final frame's: wasm would wrap a larger
    // one, and a repeated IV under the same key would give the key away.
    if (seq >= 0xFFFFFFFE) throw kmsWasmError('ValidationError', 'plaintext: too many frames', 'plaintext');
    seq += 1;
    const iv = WasmEncryptor.frameIv(seq);
    const additionalData = encryptor.frameAad(seq, false, frameLength);
    const sealed = Promise.resolve(seal(iv, additionalData, frame));
    sealed.catch(() => {}); // awaited in order by drainOne; this only stops an early unhandled rejection
    inFlight.push({ prefix: WasmEncryptor.framePrefix(seq, false, frameLength), sealed });
    if (inFlight.length >= inFlightMax) await drainTo(inFlightMax - 1);
    const pause = paced?.(frame.length);
    if (pause) await pause;
  };
  return {
    async push(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        if (filled === 0 && chunk.length - offset >= frameLength) {
          // WebCrypto copies its input at call time, so a view of the caller's chunk is safe.
          await sealFull(chunk.subarray(offset, offset + frameLength));
          offset += frameLength;
          continue;
        }
        const n = Math.min(frameLength - filled, chunk.length - offset);
        if (filled + n > pending.length) {
          const grown = new Uint8Array(Math.min(frameLength, Math.max(2 * pending.length, filled + n)));
          grown.set(pending.subarray(0, filled));
          pending.fill(0);
          pending = grown;
        }
        pending.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameLength) {
          await sealFull(pending); // WebCrypto copied it: the buffer can take the next frame
          filled = 0;
        }
      }
    },
    /** Writes every frame in flight once it is sealed; a stream runs it after each chunk, unawaited. */
    settle: () => drainTo(0),
    async finish() {
      await drainTo(0);
      seq += 1;
      const last = pending.subarray(0, filled);
      if (filled === 0) {
        // Zero-byte AES-GCM is not available in every WebCrypto (Safari): use wasm for it.
        await out(encryptor.sealFrame(seq, true, last));
      } else {
        const iv = WasmEncryptor.frameIv(seq);
        const additionalData = encryptor.frameAad(seq, true, filled);
        await writeFrame(WasmEncryptor.framePrefix(seq, true, filled), await seal(iv, additionalData, last));
      }
      pending.fill(0);
      await emit(hash ? encryptor.externalFooterForDigest(await hash.digest()) : encryptor.externalFooter());
    },
    wipe() {
      pending.fill(0);
      hash?.abort?.();
    },
  };
}

// Decryption with native AES-GCM: wasm parses and checks the message (header, commitment, frame
// order, signature); JS opens the frames it hands out, several at once, and releases each
// frame's plaintext in order once its tag verified. A signed message's final frame is held
// until the signature verified. `whole`: the whole message, when one call decrypts it;
// `copies`: `emit` copies what it is given, so frames can be released after.
function nativeOpener(decryptor, whole, copies = false) {
  const sync = syncAesGcm;
  decryptor.useExternalFrames();
  let hash; // decided at the first chunk, before wasm reads (and would hash) any of it
  // A whole message that would be hashed on this thread anyway is instead hashed and verified
  // by WebCrypto's ECDSA in one native call at the end: several times faster than wasm's
  // P-384 verify (about 6 ms) for a small message. A hash worker still wins for a large one.
  let verifyWhole = false;
  // A legacy P-256 signature (0x0214) is checked by WebCrypto over the whole message (wasm has
  // no P-256): a stream keeps every byte it was given until then.
  let keepAll = false;
  let started = false;
  // The message bytes fed in and still needed: wasm locates each frame's body in them (so
  // bodies are not copied in and out of wasm) and the native hash reads them. `base` is the
  // message offset of input[0].
  let input = [];
  let base = 0;
  let hashed = 0;
  // A stream gathers a frame that continues in its next chunk into one buffer of the frame's
  // size (`pendingEnd`), as its bytes arrive: keeping the frame's start past its chunk, then
  // joining it to the rest, copied it twice, and chunks that do not end on frame boundaries
  // (a file read in 64 KiB pieces) split nearly every frame. `{ bytes, filled, view }`, where
  // `view` (the filled part) is all of `input`.
  let gathering;
  // The last gather buffer, taken again by the next element of its size once nothing refers to
  // it: a fresh buffer per split frame (zeroed, faulted in, collected) cost more than the copy
  // into it (Chromium, 64 MiB in 64 KiB chunks: a fifth of the thread).
  let spareGather;
  /** The message offset just past the bytes `input` holds. */
  const fedEnd = () => input.reduce((n, part) => n + part.length, base);
  const viewAt = (offset, max) => {
    let i = 0;
    let at = base;
    while (at + input[i].length <= offset) at += input[i++].length;
    return input[i].subarray(offset - at, offset - at + max);
  };
  const bytesAt = (offset, length) => {
    const first = viewAt(offset, length);
    if (first.length === length) return first;
    const out = new Uint8Array(length); // a frame split across chunks
    for (let n = 0; n < length;) {
      const part = n ? viewAt(offset + n, length - n) : first;
      out.set(part, n);
      n += part.length;
    }
    return out;
  };
  /** Adds the start of `chunk` to the element being gathered, if any: how many bytes it took. */
  const gatherInto = (chunk) => {
    if (!gathering) return 0;
    if (input.length !== 1 || input[0] !== gathering.view) {
      gathering = undefined; // not expected to happen: the bytes stay in `input` as they are
      return 0;
    }
    const n = Math.min(gathering.bytes.length - gathering.filled, chunk.length);
    gathering.bytes.set(chunk.subarray(0, n), gathering.filled);
    gathering.filled += n;
    input[0] = gathering.view = gathering.bytes.subarray(0, gathering.filled);
    if (gathering.filled === gathering.bytes.length) gathering = undefined;
    return n;
  };
  /** Once a chunk is parsed: an element wasm has begun and knows the end of moves into a buffer of its size. */
  const startGathering = () => {
    // The element wasm is reading, or a body handed out whose bytes are still arriving.
    const pending = decryptor.pendingEnd === undefined && waiting[0];
    const end = pending ? pending.offset + pending.length : decryptor.pendingEnd;
    const from = pending ? pending.offset : decryptor.consumed; // where that element starts
    // Not when the input before it is still needed (a legacy P-256 message kept whole, bytes
    // the hash has not read), nor ahead of the bytes by more than GATHER_MAX until half of
    // them are here (a hostile length must not get a buffer its bytes do not back).
    if (gathering || keepAll || end === undefined || (hash && hashed < from)) return;
    const fed = fedEnd();
    if (from < base || fed > end || (end - from > GATHER_MAX && fed - from < (end - from) / 2)) return; // (the first: cannot be)
    // Its last element is done with: opened (the AES reads its input when called), hashed (the
    // hashers copy) and out of `input`. It held only ciphertext.
    const reusable = spareGather?.length === end - from && !input.some((part) => part.buffer === spareGather.buffer);
    const bytes = reusable ? spareGather : new Uint8Array(end - from);
    spareGather = bytes;
    for (let at = from; at < fed;) {
      const part = viewAt(at, fed - at);
      bytes.set(part, at - from);
      at += part.length;
    }
    input = [bytes.subarray(0, fed - from)];
    base = from;
    gathering = { bytes, filled: fed - from, view: input[0] };
  };
  const inFlight = [];
  const waiting = []; // frames handed out whose bytes are still arriving (a non-framed body)
  const inFlightMax = inFlightLimit(sync, copies);
  let key;
  let held;
  const paced = sync && pacer(sync);
  const release = copies && sync?.release;
  const drainOne = async (emit) => {
    const frame = inFlight.shift();
    const plaintext = await frame.opened;
    if (!plaintext) throw new KmsWasmError({ name: 'AuthenticationError', message: 'frame authentication tag does not verify' });
    if (frame.hold) held = plaintext;
    else {
      const writing = emit(plaintext); // a promise only when the writer asks to wait
      if (writing) await writing;
      if (release) release(plaintext);
    }
  };
  const drainTo = inOrder(inFlight, drainOne);
  // Now, not in a later task: wasm refuses a call while `update` is still running.
  const openInWasm = (f, body) => {
    try {
      return Promise.resolve(decryptor.openFrame(f.iv, f.aad, body));
    } catch {
      return Promise.resolve(null);
    }
  };
  const openFrames = async (emit) => {
    waiting.push(...unpackFrames(decryptor.takeSealedFrames()));
    // A non-framed body is handed out before its bytes arrive (wasm lets them pass unbuffered):
    // it is opened once they are all here.
    const fed = fedEnd();
    let ready = 0;
    while (ready < waiting.length && waiting[ready].offset + waiting[ready].length <= fed) ready++;
    const frames = waiting.splice(0, ready);
    if (frames.length && !key) {
      const raw = decryptor.contentKey();
      try {
        // No browser's WebCrypto does AES-192 (legacy suites 0x0046, 0x0146, 0x0346): wasm opens those.
        key = sync ? sync.key(raw) : raw.length === 24 ? 'wasm' : await subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
      } finally {
        raw.fill(0);
      }
    }
    for (const f of frames) {
      // WebCrypto copies its input when called, so a view of the input is safe.
      const body = bytesAt(f.offset, f.length);
      let opened;
      if (sync) opened = Promise.resolve(sync.open(key, f.iv, f.aad, body));
      // An empty frame (its tag alone) too: not every WebCrypto does zero-byte AES-GCM (Safari).
      else if (key === 'wasm' || body.length === 16) opened = openInWasm(f, body);
      // Only an OperationError says the tag does not verify; other failures are what they are.
      else opened = subtle.decrypt({ name: 'AES-GCM', iv: f.iv, additionalData: f.aad, tagLength: 128 }, key, body).then((b) => new Uint8Array(b), (e) => (e?.name === 'OperationError' ? null : Promise.reject(e)));
      opened.catch(() => {}); // awaited in order by drainOne; this only stops an early unhandled rejection
      inFlight.push({ opened, hold: f.hold });
      const pause = paced?.(body.length);
      if (pause) await pause;
    }
    // The hash runs while WebCrypto opens the frames just handed over.
    if (decryptor.needsSha384 === false && hash) { // undefined until the header is read
      hash.abort?.();
      hash = undefined;
    }
    if (hash) {
      for (const limit = decryptor.signedLength; hashed < limit;) {
        const part = viewAt(hashed, limit - hashed);
        hashed += part.length;
        await hash.update(part);
      }
    }
    // Input that wasm, the frames and the hash are done with can go.
    if (keepAll && decryptor.needsWholeMessage === false) keepAll = false;
    const keep = keepAll ? 0 : Math.min(decryptor.consumed, hash ? hashed : Infinity, waiting[0]?.offset ?? Infinity);
    while (input.length && base + input[0].length <= keep) base += input.shift().length;
    await drainTo(inFlightMax - 1, emit);
  };
  return {
    async push(chunk, emit) {
      if (!started) {
        started = true;
        const prefix = chunk.subarray(0, 4);
        if (WasmDecryptor.mayNeedSha384(prefix)) {
          hash = await externalSha384?.(whole ? whole.length : Infinity);
          if (whole && !hash?.inWorker) {
            hash?.abort?.();
            hash = undefined;
            verifyWhole = true;
          }
        }
        const mayNeedWhole = WasmDecryptor.mayNeedWholeMessage(prefix);
        keepAll = !whole && mayNeedWhole;
        if (hash || verifyWhole || mayNeedWhole) decryptor.useExternalDigest();
      }
      const gathered = gatherInto(chunk); // bytes at the chunk's start that went there
      // A whole message is one input: a frame across two of the pieces below is then read in place, not copied.
      if (whole) input.push(chunk);
      // Into wasm in pieces, so its memory stays small whatever the chunk size, and so the
      // frames of one piece are opening while wasm parses (and hashes) the next.
      for (let at = 0; at < chunk.length; at += FEED_PIECE) {
        const piece = chunk.subarray(at, at + FEED_PIECE);
        if (!whole && at + piece.length > gathered) input.push(piece.subarray(Math.max(0, gathered - at)));
        const out = await decryptor.update(piece);
        if (out.length) await emit(out); // none: every body (a non-framed one too) is handed out to open here
        await openFrames(emit);
      }
      if (!whole) {
        startGathering();
        // A stream's writer may refill its chunk once this returns: copy what is still needed
        // of it (bytes not yet hashed, the start of an element not gathered).
        for (let i = 0; i < input.length; i++) if (input[i].buffer === chunk.buffer) input[i] = input[i].slice();
      }
    },
    /** Gives every frame in flight once it is opened; a stream runs it after each chunk, unawaited. */
    settle: (emit) => drainTo(0, emit),
    async finish(emit) {
      await drainTo(0, emit);
      // Fails if the message is incomplete or its signature does not verify.
      let last;
      if (verifyWhole || decryptor.needsWholeMessage) last = await finishVerifyingWhole(decryptor, whole ?? joined(input));
      else last = hash ? decryptor.finishWithDigest(await hash.digest()) : decryptor.finish();
      if (last.length) await emit(last);
      if (held) await emit(held);
      if (held && release) release(held);
      held = undefined;
    },
    wipe() {
      held?.fill(0);
      held = undefined;
      // Frames still opening when the call failed: nothing gives them out now.
      for (const frame of inFlight) frame.opened.then((plaintext) => plaintext?.fill(0), () => {});
      input = [];
      gathering = spareGather = undefined;
      hash?.abort?.();
    },
  };
}

/**
 * `drainTo(keep, ...args)` calls `drainOne(...args)` until at most `keep` of `inFlight` are left.
 * Calls run one after another, whoever makes them: a stream drains in the background too, and
 * frames must leave in order. Once one fails, every later one fails with it, so nothing after
 * a frame that did not verify is given out.
 */
function inOrder(inFlight, drainOne) {
  let draining = Promise.resolve();
  return (keep, ...args) => (draining = draining.then(async () => {
    while (inFlight.length > keep) await drainOne(...args);
  }));
}

/** The frames `takeSealedFrames` packed: `[{ iv, aad, offset, length, hold }]`. */
function unpackFrames(packed) {
  const frames = [];
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  for (let at = 0; at < packed.length; at += 13) {
    const iv = packed.subarray(at, (at += 12));
    const aad = packed.subarray(at + 2, (at += 2 + view.getUint16(at, true)));
    frames.push({ iv, aad, offset: view.getFloat64(at, true), length: view.getUint32(at + 8, true), hold: packed[at + 12] === 1 });
  }
  return frames;
}

/** Pieces of bytes as one. */
function joined(pieces) {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  pieces.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** Ends a whole message's decryption, checking its ECDSA signature (P-384, or legacy P-256) with WebCrypto. */
async function finishVerifyingWhole(decryptor, whole) {
  const external = decryptor.externalSignature(); // undefined: unsigned, or nothing to check yet
  if (!external) return decryptor.finish();
  const signed = whole.subarray(0, decryptor.signedLength);
  const hash = external.curve === 'P-256' ? 'SHA-256' : 'SHA-384';
  let valid;
  try {
    const key = await subtle.importKey('raw', external.publicKey, { name: 'ECDSA', namedCurve: external.curve }, false, ['verify']);
    valid = await subtle.verify({ name: 'ECDSA', hash }, key, external.signature, signed);
  } catch {
    // A WebCrypto without the curve: wasm verifies a P-384 signature over WebCrypto's hash.
    if (hash === 'SHA-256') throw kmsWasmError('UnsupportedSuiteError', "suite 0x0214's P-256 signature needs WebCrypto's ECDSA P-256, which this runtime lacks");
    return decryptor.finishWithDigest(new Uint8Array(await subtle.digest('SHA-384', signed)));
  }
  if (!valid) throw new KmsWasmError({ name: 'SignatureError', message: 'message signature does not verify' });
  return decryptor.finishVerified();
}

// Whether this runtime calls a transformer's `cancel` when the stream is cancelled or aborted
// (Node and workerd do; Chromium 156 and Firefox ESR 153 do not, so there a cancel neither
// rejected `messageHeader` nor wiped and freed what the stream held). Found out once, on first use.
let transformerCancelCalled;
function runtimeCallsTransformerCancel() {
  if (transformerCancelCalled === undefined) {
    transformerCancelCalled = false;
    new TransformStream({ cancel: () => void (transformerCancelCalled = true) }).readable.cancel().catch(() => {});
  }
  return transformerCancelCalled;
}

/**
 * `stream`, made to report a cancel or an abort to `cancel` at once:
 * - A TransformStream's writable runs an abort (`writer.abort()`, an aborted or failed pipe)
 *   only once the `start` or chunk in progress is done: for a keyring's KMS call, when it times
 *   out. The writable is therefore one of our own in front of it, whose controller's signal
 *   says at once: the stream errors with the abort's reason (`controller()`, the transform's
 *   controller) and the call stops.
 * - Where the runtime does not call a transformer's `cancel`, the readable is likewise one of
 *   our own reading the TransformStream's.
 */
function cancellable(stream, cancel, controller) {
  const writer = stream.writable.getWriter();
  const writable = new WritableStream({
    start(front) {
      front.signal?.addEventListener('abort', () => {
        controller()?.error(front.signal.reason);
        cancel();
      });
      // The stream failed or its readable was cancelled: said at once, as a TransformStream's
      // writable would (a pipe into it then cancels its source, rather than wait on it).
      writer.closed.catch((e) => front.error(e));
    },
    write: (chunk) => writer.write(chunk),
    close: () => writer.close(),
    // Errored above already, the stream behind refuses the abort with its error; the caller's
    // abort has taken effect, and resolves as a TransformStream's does.
    abort: (reason) => writer.abort(reason).catch(() => {}),
  });
  Object.defineProperty(stream, 'writable', { value: writable, enumerable: true });
  if (runtimeCallsTransformerCancel()) return stream;
  const reader = stream.readable.getReader();
  const readable = new ReadableStream({
    async pull(controller) {
      let next;
      try {
        next = await reader.read();
      } catch (e) {
        cancel(); // the writable was aborted: as a cancel
        throw e;
      }
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      cancel();
      return reader.cancel(reason);
    },
    // No read ahead, as the TransformStream's own readable: a pull left waiting on a stream
    // whose reader went away would keep it, and its wasm side, from being collected (Chromium).
  }, { highWaterMark: 0 });
  Object.defineProperty(stream, 'readable', { value: readable, enumerable: true });
  return stream;
}

/** What a stream gives out: only chunks with bytes in them (an empty final frame or footer gives none). */
function chunkEmitter(controller) {
  return (bytes) => {
    if (bytes.length) controller.enqueue(bytes);
  };
}

/** The `messageHeader` promise of a stream; never an unhandled rejection (the stream errors too). */
function headerPromise() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

// A one-shot result is written into one fresh buffer, and the first write to each page of it
// faults the page in: about 45 ms per 64 MiB on this thread, a quarter of a Node decrypt and a
// third of a Chromium encrypt. Where the entry can have the pages faulted in on another thread,
// they are: Node's reads /dev/zero into them in its threadpool, piece by piece ahead of our
// writes; the browser's has its worker allocate and touch the buffer and move it here, while
// what we write meanwhile waits in a list.
let prefault;
const PREFAULT_FROM = 4 << 20;
const PREFAULT_PIECE = 4 << 20;
/**
 * Installs (entries only) either `{ fill(view) }`, which writes anything to every page of `view`
 * off this thread and resolves when done, or `{ allocate(length) }`, which gives a promise of a
 * fresh Uint8Array of `length` bytes with its pages faulted in, or undefined. A rejection or an
 * undefined only costs the speed-up. Returns the one it replaces.
 */
export function usePrefault(prefaulter) {
  const previous = prefault;
  prefault = prefaulter;
  return previous;
}

/**
 * A buffer of `capacity` bytes written in order; `write` returns a promise to await when it
 * must wait, and may keep what it is given until `written()`: give it bytes nobody reuses.
 * `signed`: the message is hashed whole by a worker, which is then the slower side: faulting
 * pages in on yet another thread takes cores from it. Left out, a 64 MiB 0x0578 message was
 * faster in Chromium (encrypt medians 204 -> 245 MB/s) and in Node 24 on two cores (encrypt
 * 587 -> 646, decrypt 531 -> 616 MB/s; Node 20: 438 -> 461 and 438 -> 425).
 */
function resultBuffer(capacity, signed, wipesGiven = false) {
  if (capacity < PREFAULT_FROM || !prefault || signed) return filledResult(capacity, [], undefined, wipesGiven);
  if (prefault.fill) {
    const { fill } = prefault;
    const bytes = new Uint8Array(capacity);
    const pieces = [];
    for (let at = 0; at < capacity; at += PREFAULT_PIECE) {
      // Only a speed-up: a piece that fails is written here as usual.
      pieces.push(Promise.resolve().then(() => fill(bytes.subarray(at, at + PREFAULT_PIECE))).catch(() => {}));
    }
    return filledResult(capacity, pieces, bytes, wipesGiven);
  }
  let arriving;
  try {
    arriving = prefault.allocate(capacity);
  } catch {}
  return arriving ? movedResult(capacity, arriving, wipesGiven) : filledResult(capacity, [], undefined, wipesGiven);
}

/**
 * Writes into `bytes`, each PREFAULT_PIECE only once `pieces` says it is ours. `wipesGiven`:
 * what it is given is plaintext in buffers of ours (each frame's, from the AES), zeroed once
 * copied, so that only the result holds it (and its wipe on failure leaves none).
 */
function filledResult(capacity, pieces, bytes = new Uint8Array(capacity), wipesGiven = false) {
  let filled = 0;
  let settled = 0; // pieces known to be written: ours to overwrite
  const put = (b) => {
    bytes.set(b, filled);
    filled += b.length;
    if (wipesGiven) b.fill(0);
  };
  const waitFor = async (end) => {
    while (settled < pieces.length && settled * PREFAULT_PIECE < end) await pieces[settled++];
  };
  return {
    write(b) {
      const end = filled + b.length;
      if (settled >= pieces.length || settled * PREFAULT_PIECE >= end) return put(b);
      return waitFor(end).then(() => put(b));
    },
    /** What was written, once nothing else writes to the buffer. */
    async written() {
      await waitFor(Infinity);
      return bytes.subarray(0, filled);
    },
    /** Zeroes what was written. */
    wipe() {
      bytes.fill(0, 0, filled);
    },
    copies: true, // what `write` is given is copied once its promise (if any) settles
  };
}

// At most this much waits for a moved buffer before writers are made to wait too, so that a
// late buffer for a large message cannot double its memory.
const MAX_WAITING = 64 << 20;

/** Writes into the buffer `arriving` resolves to, keeping what comes before it in a list. */
function movedResult(capacity, arriving, wipesGiven) {
  let bytes;
  let filled = 0;
  let waiting = [];
  let waitingLength = 0;
  const settled = Promise.resolve(arriving)
    .catch(() => undefined)
    .then((moved) => {
      bytes = moved?.length === capacity ? moved : new Uint8Array(capacity);
      for (const b of waiting) {
        bytes.set(b, filled);
        filled += b.length;
        if (wipesGiven) b.fill(0);
      }
      waiting = undefined;
    });
  return {
    write(b) {
      if (waiting) {
        waiting.push(b);
        waitingLength += b.length;
        return waitingLength > MAX_WAITING ? settled : undefined;
      }
      bytes.set(b, filled);
      filled += b.length;
      if (wipesGiven) b.fill(0);
    },
    async written() {
      await settled;
      return bytes.subarray(0, filled);
    },
    wipe() {
      for (const b of waiting ?? []) b.fill(0);
      bytes?.fill(0, 0, filled);
    },
  };
}

function canUseNativeAes() {
  return !webCryptoDisabled && typeof subtle?.encrypt === 'function';
}

// What each call takes: anything else is refused, not ignored (a limit given under another
// name would otherwise vanish). `plaintextLength` bounds a stream (one-shot calls know their
// length and ignore it, as the spec says); `maxBodySize` is client-node's name for `maxFrameLength`.
const ENCRYPT_OPTIONS = ['encryptionContext', 'suiteId', 'frameLength', 'commitmentPolicy', 'maxEncryptedDataKeys', 'plaintextLength'];
const DECRYPT_OPTIONS = ['encryptionContext', 'commitmentPolicy', 'maxEncryptedDataKeys', 'maxFrameLength', 'maxBodySize'];

function checkedOptions(options, allowed) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw kmsWasmError('ValidationError', 'options: must be an object', 'options');
  refuseUnknownOptions(options, allowed, 'this call', 'ValidationError');
  if (options.maxBodySize === undefined) return options;
  if (options.maxFrameLength !== undefined && options.maxFrameLength !== options.maxBodySize) {
    throw kmsWasmError('ValidationError', "maxBodySize: is maxFrameLength under client-node's name; give one of them", 'maxBodySize');
  }
  const { maxBodySize, ...rest } = options;
  return { ...rest, maxFrameLength: maxBodySize };
}

/** Encrypts `plaintext` into one message: `{ result, messageHeader }`. */
export async function encrypt(keyring, plaintext, options = {}) {
  checkKeyring(keyring);
  options = checkedOptions(options, ENCRYPT_OPTIONS);
  const bytes = toBytes(plaintext, 'plaintext');
  const { length } = bytes;
  const handle = await keyring._handle();
  checkUnchanged(bytes, length, 'plaintext');
  if (!canUseNativeAes()) return lift(() => encryptMessage(handle, bytes, options));
  const encryptor = await lift(() => WasmEncryptor.create(handle, options));
  let sealer;
  try {
    const messageHeader = encryptor.messageHeader();
    // The message is written straight into one buffer of its final size (plus room for a
    // footer of unknown length), so it is neither collected in parts nor copied once more.
    const result = resultBuffer(encryptor.maxMessageLength(length), encryptor.signing);
    sealer = await nativeSealer(encryptor, result.write, length, result.copies);
    checkUnchanged(bytes, length, 'plaintext');
    await sealer.push(bytes);
    // Detached while frames were sealed, the rest would read as nothing: a shorter message.
    checkUnchanged(bytes, length, 'plaintext');
    await sealer.finish();
    return { result: await result.written(), messageHeader };
  } catch (e) {
    sealer?.wipe();
    throw callError(e, bytes, length, 'plaintext');
  } finally {
    encryptor.free();
  }
}

/** Decrypts one message: `{ plaintext, messageHeader }`. Releases nothing unless every check passes. */
export async function decrypt(keyring, ciphertext, options = {}) {
  checkKeyring(keyring);
  options = checkedOptions(options, DECRYPT_OPTIONS);
  const bytes = toBytes(ciphertext, 'ciphertext', false);
  const { length } = bytes;
  const handle = await keyring._handle();
  checkUnchanged(bytes, length, 'ciphertext');
  if (!canUseNativeAes()) return lift(() => decryptMessage(handle, bytes, options));
  const decryptor = liftSync(() => new WasmDecryptor(handle, options));
  // The plaintext is shorter than the message: write it into a buffer of the message's size as
  // frames open, not into parts joined at the end.
  const plaintext = resultBuffer(bytes.length, WasmDecryptor.mayNeedSha384(bytes.subarray(0, 4)), true);
  const opener = nativeOpener(decryptor, bytes, plaintext.copies);
  try {
    await opener.push(bytes, plaintext.write);
    checkUnchanged(bytes, length, 'ciphertext'); // else "truncated", which it was not
    const messageHeader = decryptor.messageHeader();
    await opener.finish(plaintext.write);
    // Only now, with every tag and the signature verified, is anything released.
    return { plaintext: await plaintext.written(), messageHeader };
  } catch (e) {
    plaintext.wipe();
    opener.wipe();
    throw callError(e, bytes, length, 'ciphertext');
  } finally {
    decryptor.free();
  }
}

/**
 * The steps of a stream: a failure rejects `messageHeader` with the stream's error and is
 * re-typed; `end()` (error, cancel, flush) frees the wasm side and wipes what is buffered, but
 * only once no step is running: wasm cannot free what a running call holds (a cancel during a
 * KMS call frees after it). A cancel rejects `messageHeader` if it was still to come.
 */
/** Runs `use` with a handle on `handle`'s keyring whose KMS calls stop once `onCancel` settles. */
async function withAbortable(handle, onCancel, use) {
  const abortable = handle.clone(onCancel);
  try {
    return await use(abortable);
  } finally {
    abortable.free(); // what `use` made holds the keyring itself
  }
}

function streamSteps(free, rejectHeader) {
  let running = 0;
  let ended = false;
  let cancelled; // the AbortError a cancel gave
  // Settles on a cancel, which stops a keyring's KMS call still running in wasm; and once the
  // keyring is done with or the stream is over: what wasm attached to it is freed only then,
  // and a stream dropped unfinished would keep that for ever.
  let stopWaiting;
  const onCancel = new Promise((resolve) => (stopWaiting = resolve));
  const release = () => {
    free();
    stopWaiting();
  };
  const end = () => {
    ended = true;
    if (!running) release();
  };
  const step = (fn) => async (...args) => {
    running++;
    try {
      return await fn(...args);
    } catch (e) {
      // A step that fails because the stream was cancelled under it fails as the cancel did.
      const lifted = cancelled ?? liftError(e);
      rejectHeader(lifted);
      ended = true;
      throw lifted;
    } finally {
      if (!--running && ended) release();
    }
  };
  const cancel = () => {
    rejectHeader((cancelled = kmsWasmError('AbortError', 'the stream was cancelled')));
    stopWaiting();
    end();
  };
  // Frames still in flight when a transform returns leave as they finish, not when the next
  // chunk comes: a writer may wait for output before it writes more. A failure there errors
  // the stream at once (a reader waiting on it would otherwise wait for ever).
  const inBackground = (controller, work) => {
    step(work)().catch((e) => controller.error(e));
  };
  return { step, end, cancel, inBackground, onCancel, keyringDone: stopWaiting };
}

/**
 * A TransformStream that encrypts what is written to it into one message.
 * Memory stays bounded by the frame length. `stream.messageHeader` resolves once the data key is ready.
 */
export function encryptStream(keyring, options = {}) {
  checkKeyring(keyring);
  options = checkedOptions(options, ENCRYPT_OPTIONS);
  // The spec's plaintext length bound (client-node's `plaintextLength`): more bytes fail the
  // stream before they are encrypted.
  const bound = options.plaintextLength ?? Infinity;
  if (!(Number.isSafeInteger(bound) && bound >= 0) && bound !== Infinity) throw kmsWasmError('ValidationError', 'plaintextLength: must be a whole number of bytes ≥ 0', 'plaintextLength');
  let given = 0;
  let encryptor;
  let sealer;
  let filled = 0; // wasm path: plaintext bytes in the frame the encryptor has not sealed yet
  const { promise: messageHeader, resolve: resolveHeader, reject: rejectHeader } = headerPromise();
  // On error or cancel: wipe the plaintext still buffered and free the wasm side.
  const { step, end, cancel, inBackground, onCancel, keyringDone } = streamSteps(() => {
    sealer?.wipe();
    encryptor?.free();
    encryptor = sealer = undefined;
  }, rejectHeader);
  let transformer;
  const stream = new TransformStream({
    start: step(async (controller) => {
      transformer = controller;
      const handle = await keyring._handle();
      encryptor = await withAbortable(handle, onCancel, (keyring) => WasmEncryptor.create(keyring, options));
      keyringDone();
      resolveHeader(encryptor.messageHeader());
      if (canUseNativeAes()) sealer = await nativeSealer(encryptor, chunkEmitter(controller));
      else controller.enqueue(encryptor.update(new Uint8Array(0))); // the header
    }),
    transform: step(async (chunk, controller) => {
      const bytes = toBytes(chunk, 'chunk');
      if ((given += bytes.length) > bound) throw kmsWasmError('LimitExceededError', `plaintextLength: the stream was given more than the ${bound} bytes it was bounded to`, 'plaintextLength');
      if (sealer) {
        await sealer.push(bytes);
        return inBackground(controller, sealer.settle);
      }
      // wasm seals a frame as soon as it is full: fed up to each frame's end, it gives one
      // chunk per frame, as the other paths do.
      const frameLength = encryptor.frameLength;
      for (let at = 0; at < bytes.length;) {
        const n = Math.min(frameLength - filled, bytes.length - at);
        const out = encryptor.update(bytes.subarray(at, at + n));
        at += n;
        filled = (filled + n) % frameLength;
        if (out.length) controller.enqueue(out);
      }
    }),
    flush: step(async (controller) => {
      if (sealer) await sealer.finish();
      else {
        const out = encryptor.finish();
        if (out.length) controller.enqueue(out);
      }
      end();
    }),
    cancel,
  });
  stream.messageHeader = messageHeader;
  return cancellable(stream, cancel, () => transformer);
}

/**
 * A TransformStream that decrypts one message. A frame's plaintext is released only after
 * its tag verifies. For signed suites (0x0578) the signature covers the whole message and is
 * checked at the end: the stream then errors if it fails, after earlier frames were released.
 * Use `decrypt` when nothing may be released before the signature verifies.
 */
export function decryptStream(keyring, options = {}) {
  return decryptingStream(keyring, options, false);
}

/**
 * `decryptStream` for unsigned messages only, as client-node's: a signed one (whose frames a
 * stream would release before its signature is checked) is an `UnsupportedSuiteError` from the
 * suite its first bytes name, before its data keys are unwrapped or any plaintext comes out.
 */
export function decryptUnsignedMessageStream(keyring, options = {}) {
  return decryptingStream(keyring, options, true);
}

// Suites whose messages carry a signature (0x0578 and the legacy 0x0378, 0x0346, 0x0214).
const SIGNED_SUITES = [0x0578, 0x0378, 0x0346, 0x0214];

function decryptingStream(keyring, options, unsignedOnly) {
  checkKeyring(keyring);
  options = checkedOptions(options, DECRYPT_OPTIONS);
  let decryptor;
  let opener;
  const { promise: messageHeader, resolve: resolveHeader, reject: rejectHeader } = headerPromise();
  // Given once it verified, before any plaintext: a cancel after some plaintext came out must
  // not reject it. Not from a background drain (wasm may be busy then; it was given already).
  let headerGiven = false;
  let refused; // unsignedOnly: the error of a signed message, thrown at every emit
  // unsignedOnly: the message's first bytes, until they name its suite. A signed one is refused
  // from them, before its data keys are unwrapped (a KMS call per key), as the spec asks.
  let lead = unsignedOnly ? new Uint8Array(0) : undefined;
  const refuseSigned = (suiteId) => {
    if (unsignedOnly && SIGNED_SUITES.includes(suiteId)) {
      refused ??= kmsWasmError('UnsupportedSuiteError', `suite 0x${suiteId.toString(16).padStart(4, '0')} is signed: use decryptStream (or decrypt, which releases nothing before the signature is checked)`);
    }
  };
  const readLead = (bytes) => {
    lead = joined([lead, bytes.subarray(0, 4 - lead.length)]);
    const at = { 1: 2, 2: 1 }[lead[0]]; // where version 1 and 2 headers hold the suite id
    if (lead.length && (at === undefined || lead.length >= at + 2)) {
      refuseSigned(at && (lead[at] << 8) | lead[at + 1]);
      lead = undefined; // else not a message: wasm says why
    }
    if (refused) throw refused;
  };
  const giveHeader = () => {
    const header = headerGiven ? undefined : decryptor?.messageHeader();
    if (header) {
      headerGiven = true;
      keyringDone();
      refuseSigned(header.suiteId); // refused from its first bytes already: this stands behind that
      if (!refused) resolveHeader(header);
    }
    if (refused) throw refused;
  };
  const emitAfterHeader = (controller) => {
    const emit = chunkEmitter(controller);
    return (p) => {
      giveHeader();
      emit(p);
    };
  };
  const { step, end, cancel, inBackground, onCancel, keyringDone } = streamSteps(() => {
    opener?.wipe();
    decryptor?.free();
    decryptor = opener = undefined;
  }, rejectHeader);
  let transformer;
  const stream = new TransformStream({
    start: step(async (controller) => {
      transformer = controller;
      const handle = await keyring._handle();
      decryptor = await withAbortable(handle, onCancel, (keyring) => new WasmDecryptor(keyring, options));
      if (canUseNativeAes()) opener = nativeOpener(decryptor);
    }),
    transform: step(async (chunk, controller) => {
      const bytes = toBytes(chunk, 'chunk', false);
      if (lead) readLead(bytes);
      try {
        if (opener) {
          await opener.push(bytes, emitAfterHeader(controller));
          inBackground(controller, () => opener.settle(chunkEmitter(controller)));
        } else {
          const out = await decryptor.update(bytes);
          if (out.length) emitAfterHeader(controller)(out);
        }
      } finally {
        // A header that verified is given even if a frame of this same chunk then fails.
        giveHeader();
      }
    }),
    // The header, if it verified, was given by the transform that read it.
    flush: step(async (controller) => {
      if (opener) {
        await opener.finish(chunkEmitter(controller));
      } else {
        const out = decryptor.finish();
        if (out.length) controller.enqueue(out);
      }
      end();
    }),
    cancel,
  }, undefined, { highWaterMark: 1 }); // so the first chunk is read, and the header given, before anyone reads
  stream.messageHeader = messageHeader;
  return cancellable(stream, cancel, () => transformer);
}

/**
 * As `buildClient` of @aws-crypto/client-browser / client-node: `buildClient(policy)` or
 * `buildClient({ commitmentPolicy, maxEncryptedDataKeys })` gives `encrypt`, `decrypt` and the
 * streams with those settings as defaults (`maxEncryptedDataKeys: false` is no limit).
 */
export function buildClient(options) {
  // As client-node's: no policy given is the default one (given as null too, as the calls take it).
  const given = typeof options === 'string' ? { commitmentPolicy: options } : options ?? {};
  const commitmentPolicy = given.commitmentPolicy ?? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT;
  const maxEncryptedDataKeys = given.maxEncryptedDataKeys ?? false;
  requireOption(Object.values(CommitmentPolicy).includes(commitmentPolicy), 'commitmentPolicy', 'must be one of CommitmentPolicy');
  requireOption(maxEncryptedDataKeys === false || (Number.isInteger(maxEncryptedDataKeys) && maxEncryptedDataKeys > 0), 'maxEncryptedDataKeys', 'must be false or a positive integer');
  // The EDK limit holds on encrypt too, as in the spec's encrypt: no message the client would refuse.
  const settings = maxEncryptedDataKeys ? { commitmentPolicy, maxEncryptedDataKeys } : { commitmentPolicy };
  // A call's own value wins; one given as undefined or null keeps the client's (a plain spread
  // would let `maxEncryptedDataKeys: undefined` lift the client's limit). A call may tighten the
  // client's settings, never relax them (the spec: a policy once set is immutable).
  const withDefaults = (o) => {
    if (o != null && (typeof o !== 'object' || Array.isArray(o))) return o; // the call refuses it
    const merged = { ...settings };
    for (const [name, value] of Object.entries(o ?? {})) if (value != null || !(name in settings)) merged[name] = value;
    const refuse = (field, message) => { throw kmsWasmError('ValidationError', `${field}: buildClient set ${settings[field]}: ${message}`, field); };
    // The one tightening of a policy: requiring commitment on decrypt too.
    const policy = merged.commitmentPolicy;
    if (policy !== commitmentPolicy && !(commitmentPolicy === CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT && policy === CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)) refuse('commitmentPolicy', 'a call may not give another');
    if (maxEncryptedDataKeys && !(merged.maxEncryptedDataKeys <= maxEncryptedDataKeys)) refuse('maxEncryptedDataKeys', 'a call may lower it, not raise it');
    return merged;
  };
  return Object.freeze({
    encrypt: async (keyring, plaintext, o) => encrypt(keyring, plaintext, withDefaults(o)),
    decrypt: async (keyring, ciphertext, o) => decrypt(keyring, ciphertext, withDefaults(o)),
    encryptStream: (keyring, o) => encryptStream(keyring, withDefaults(o)),
    decryptStream: (keyring, o) => decryptStream(keyring, withDefaults(o)),
    decryptUnsignedMessageStream: (keyring, o) => decryptUnsignedMessageStream(keyring, withDefaults(o)),
  });
}

function liftSync(fn) {
  try {
    return fn();
  } catch (e) {
    throw liftError(e);
  }
}
