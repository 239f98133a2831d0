// Renames the wasm module's imports to one or two letters, in the module and in the
// wasm-bindgen glue that supplies them: wasm-bindgen names each `__wbg_<name>_<16 hex digits>`,
// and those digits, written twice (import section and glue) and incompressible, came to about
// 2.5 KB of the gzipped download. Exported functions the glue alone calls are renamed likewise
// (renameExport below).
//   node pkg-scripts/short-imports.mjs DIR   (DIR/kms_wasm_bg.wasm and DIR/kms_wasm.js, rewritten)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const wasmPath = join(dir, 'kms_wasm_bg.wasm');
const gluePath = join(dir, 'kms_wasm.js');
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, 'utf8');

const readLeb = (at) => {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = wasm[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
};
const leb = (value) => {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
};
const text = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const shortName = (i) => (i < LETTERS.length ? LETTERS[i] : shortName(Math.floor(i / LETTERS.length) - 1) + LETTERS[i % LETTERS.length]);
const fail = (why) => {
  console.error(`short-imports: ${why}`);
  process.exit(1);
};

const readName = (at) => {
  const [length, from] = readLeb(at);
  return [wasm.toString('utf8', from, from + length), from + length];
};
/** Section `id` with its entries (from `at` to `end`) rewritten: `entry(i, at)` reads entry `i` and gives its new bytes and where it ended. */
function rewriteSection(id, at, end, entry) {
  let count;
  [count, at] = readLeb(at);
  const entries = [leb(count)];
  for (let i = 0; i < count; i++) {
    let bytes;
    [bytes, at] = entry(i, at);
    entries.push(...bytes);
  }
  if (at !== end) fail(`section ${id}: length mismatch`);
  const payload = Buffer.concat(entries);
  return Buffer.concat([Buffer.from([id]), leb(payload.length), payload]);
}

// Imports: the glue must name each exactly once, as a key of its imports object.
function renameImport(i, at) {
  let module;
  let name;
  [module, at] = readName(at);
  [name, at] = readName(at);
  const kind = wasm[at];
  if (kind !== 0) fail(`import ${module}.${name} is not a function: this script renames only functions`);
  const descEnd = readLeb(at + 1)[1];
  const escaped = name.replace(/\$/g, '\\$');
  const uses = glue.match(new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`, 'g'))?.length ?? 0;
  const key = new RegExp(`(?<![\\w$])${escaped}(?=: function\\()`);
  if (uses !== 1 || !key.test(glue)) fail(`the glue names import ${name} ${uses} times, not once as a key`);
  const short = shortName(i);
  glue = glue.replace(key, short);
  return [[text(module), text(short), wasm.subarray(at, descEnd)], descEnd];
}

// Exported functions the glue calls only as `wasm.<name>` are renamed too, to `_` and a letter or
// two (their names, in the module and the glue, were 1 kB of the gzipped download). Kept: what
// the hash worker calls by name; memory and the reference table (`ready()` hands out the exports).
const KEEP = new Set(['sha384Begin', 'sha384Input', 'sha384Absorb', 'sha384End', 'sha384Free']);
function renameExport(i, at) {
  let name;
  [name, at] = readName(at);
  const descEnd = readLeb(at + 1)[1];
  if (wasm[at] === 0 && !KEEP.has(name)) {
    const escaped = name.replace(/\$/g, '\\$');
    const member = new RegExp(`(?<![\\w$])wasm\\.${escaped}(?![\\w$])`, 'g');
    // Any other use must be a plain identifier (a glue function of the same name), not a
    // property or a string.
    const other = new RegExp(`(?<![\\w$])(?<!wasm\\.)(?<=[.'"]|\\[)${escaped}(?![\\w$])`);
    if (member.test(glue) && !other.test(glue)) {
      name = `_${shortName(i)}`;
      glue = glue.replace(member, `wasm.${name}`);
    }
  }
  return [[text(name), wasm.subarray(at, descEnd)], descEnd];
}

let at = 8;
let done = false;
const parts = [wasm.subarray(0, 8)];
while (at < wasm.length) {
  const start = at;
  const id = wasm[at++];
  let size;
  [size, at] = readLeb(at);
  const end = at + size;
  if (id === 2) done = true;
  parts.push(id === 2 ? rewriteSection(2, at, end, renameImport) : id === 7 ? rewriteSection(7, at, end, renameExport) : wasm.subarray(start, end));
  at = end;
}
if (!done) fail('no import section');
const out = Buffer.concat(parts);
if (!WebAssembly.validate(out)) fail('the rewritten module does not validate');
writeFileSync(wasmPath, out);
writeFileSync(gluePath, glue);
