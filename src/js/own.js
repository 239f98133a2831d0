// Internal (not exported by the package's entries).

/** `out[key] = value`, also for a key named `__proto__` (an encryption context may have one). */
export function setOwn(out, key, value) {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
