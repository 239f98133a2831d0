// Internal (not exported by the package's entries).
import { KmsWasmError } from './errors.js';

/**
 * Refuses each option `allowed` lacks, naming it: an option under another name (or misspelt)
 * would otherwise vanish without a word. `hints`: what to say instead, for other libraries' names.
 */
export function refuseUnknownOptions(options, allowed, what, hints = {}, errorName = 'ConfigError') {
  for (const name of Object.keys(options ?? {})) {
    if (!allowed.includes(name)) throw new KmsWasmError({ name: errorName, message: `${name}: ${hints[name] ?? `not an option of ${what} (it takes ${allowed.join(', ')})`}`, field: name });
  }
}

/** `out[key] = value`, also for a key named `__proto__` (an encryption context may have one). */
export function setOwn(out, key, value) {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
