// The public JavaScript API of kms-wasm, shared by every runtime entry
// (browser/bundler: index.js, Node: node.js, workerd: workerd.js).
// Shapes follow @aws-sdk/client-kms: PascalCase members, Uint8Array blobs,
// Date timestamps, errors whose `name` is the KMS exception.
import init, { WasmKms } from './kms_wasm.js';
import { OPERATIONS, EXCEPTION_CLASSES } from './model.js';
import { KMSServiceException, KmsWasmError } from './errors.js';

export * from './model.js';
export { KMSServiceException, KmsWasmError } from './errors.js';

let initializing;
/** Loads the wasm module once; every API call awaits it, so calling it yourself is optional. */
export function ready() {
  return (initializing ??= init());
}
export function markReady(promiseOrValue) {
  initializing = Promise.resolve(promiseOrValue);
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

function base64ToBytes(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function toBytes(value, path) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw kmsWasmError('ValidationError', `${path}: expected a Uint8Array`, path);
}

function convert(value, map, toWire, path) {
  if (value === undefined || value === null || !map) return value;
  if (map === 'b') return toWire ? bytesToBase64(toBytes(value, path)) : base64ToBytes(value);
  if (map === 't') {
    if (!toWire) return new Date(value * 1000);
    const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value * 1000 : Date.parse(value);
    if (!Number.isFinite(ms)) throw kmsWasmError('ValidationError', `${path}: expected a Date`, path);
    return ms / 1000;
  }
  if (Array.isArray(map)) return Array.isArray(value) ? value.map((v, i) => convert(v, map[0], toWire, `${path}[${i}]`)) : value;
  if (typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = convert(v, map['*'] ?? map[k], toWire, path ? `${path}.${k}` : k);
  }
  return out;
}

// ---- errors -------------------------------------------------------------------------------

function kmsWasmError(name, message, field) {
  return new KmsWasmError({ name, message, field });
}

/** Re-types an error thrown by the wasm module as the matching class. */
export function liftError(e) {
  if (!(e instanceof Error) || e instanceof KMSServiceException || e instanceof KmsWasmError) return e;
  const opts = { name: e.name, message: e.message, $fault: e.$fault, $metadata: e.$metadata, field: e.field };
  if (e.kind === 'Service') {
    const cls = EXCEPTION_CLASSES[e.name];
    return cls ? new cls(opts) : new KMSServiceException(opts);
  }
  return new KmsWasmError(opts);
}

// ---- the client ---------------------------------------------------------------------------

const lowerFirst = (s) => s[0].toLowerCase() + s.slice(1);

/**
 * A KMS client shaped like `KMS` of @aws-sdk/client-kms:
 * `new KMS({ region, endpoint, credentials })`, then `await kms.encrypt({ KeyId, Plaintext })`.
 */
export class KMS {
  #options;
  #env;
  #wasm;

  constructor(options = {}, env) {
    this.#options = options;
    this.#env = env;
  }

  /** A client configured from environment variables (`process.env`, a Worker's `env`). */
  static fromEnv(env, options = {}) {
    return new KMS(options, env ?? {});
  }

  /** @internal the wasm client (created on first use). */
  async _wasm() {
    await ready();
    try {
      return (this.#wasm ??= new WasmKms(this.#options, this.#env));
    } catch (e) {
      throw liftError(e);
    }
  }

  /** Calls any operation by name with an SDK-shaped input. */
  async call(operation, input = {}) {
    const maps = OPERATIONS[operation];
    if (!maps) throw kmsWasmError('ValidationError', `unknown operation ${operation}`, 'operation');
    const wasm = await this._wasm();
    const body = JSON.stringify(convert(input, maps[0], true, '') ?? {});
    let res;
    try {
      res = await wasm.call(operation, body);
    } catch (e) {
      throw liftError(e);
    }
    const parsed = res.body.trim() && res.body.trim() !== 'null' ? JSON.parse(res.body) : {};
    const output = convert(parsed, maps[1], false, '') ?? {};
    output.$metadata = { httpStatusCode: res.httpStatusCode, requestId: res.requestId, attempts: res.attempts, totalRetryDelay: 0 };
    return output;
  }

  /** Releases the wasm client. */
  destroy() {
    this.#wasm?.free();
    this.#wasm = undefined;
  }
}

for (const operation of Object.keys(OPERATIONS)) {
  Object.defineProperty(KMS.prototype, lowerFirst(operation), {
    value: function (input) { return this.call(operation, input); },
    writable: true,
    configurable: true,
  });
}

// ---- paginators (async iterators over pages, as in @aws-sdk/client-kms) -------------------

function paginator(operation) {
  return async function* (config, input = {}) {
    const client = config.client;
    let marker = config.startingToken ?? input.Marker;
    const limit = config.pageSize ?? input.Limit;
    for (;;) {
      const page = await client.call(operation, { ...input, ...(limit ? { Limit: limit } : {}), ...(marker ? { Marker: marker } : {}) });
      yield page;
      if (!page.Truncated || !page.NextMarker || page.NextMarker === marker) return;
      marker = page.NextMarker;
    }
  };
}

export const paginateListKeys = paginator('ListKeys');
export const paginateListAliases = paginator('ListAliases');
export const paginateListGrants = paginator('ListGrants');
export const paginateListKeyPolicies = paginator('ListKeyPolicies');
export const paginateListResourceTags = paginator('ListResourceTags');
export const paginateListRetirableGrants = paginator('ListRetirableGrants');
export const paginateListKeyRotations = paginator('ListKeyRotations');
