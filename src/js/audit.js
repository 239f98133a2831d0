// The audit hook (`onAudit`), given to the client and the wrapper. Internal: the entries do not
// re-export this module.

/**
 * `options` with its `onAudit` made safe to be async: a hook's rejected promise is dropped, as a
 * thrown error is, rather than left unhandled (Node ends the process on one). Anything other
 * than a function is passed on unchanged, for wasm to refuse naming `onAudit`.
 */
export function withQuietAudit(options) {
  const hook = options?.onAudit;
  if (typeof hook !== 'function') return options;
  return {
    ...options,
    onAudit(event) {
      const result = hook(event);
      if (typeof result?.then === 'function') result.then(undefined, () => {});
    },
  };
}
