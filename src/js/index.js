// Entry for browsers and bundlers: the .wasm loads on first use through
// `new URL('./kms_wasm_bg.wasm', import.meta.url)`, which bundlers follow.
export * from './core.js';
