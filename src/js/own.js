// Internal (not exported by the package's entries).
import { KmsWasmError } from './errors.js';

// client-node's names of options kms-wasm takes under another (and keyIds spelt keyIDs).
const OUR_NAMES = { keyIDs: 'keyIds', clientProvider: 'client', unencryptedMasterKey: 'wrappingKey', masterKey: 'wrappingKey' };

/**
 * Refuses each option `allowed` lacks, naming it: an option under another name (or misspelt)
 * would otherwise vanish without a word.
 */
export function refuseUnknownOptions(options, allowed, what, errorName = 'ConfigError') {
  for (const name of Object.keys(options ?? {})) {
    const ours = OUR_NAMES[name];
    if (!allowed.includes(name)) throw new KmsWasmError({ name: errorName, message: `${name}: ${allowed.includes(ours) ? `kms-wasm's name is ${ours}` : `not an option of ${what} (it takes ${allowed.join(', ')})`}`, field: name });
  }
}

/** `out[key] = value`, also for a key named `__proto__` (an encryption context may have one). */
export function setOwn(out, key, value) {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
