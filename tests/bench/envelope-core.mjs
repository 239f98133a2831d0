// Envelope throughput, shared by the Node and browser benchmarks: kms-wasm, the official
// Encryption SDK (same suite, raw AES keyring) and raw WebCrypto AES-GCM over the same bytes,
// all in one process or page. Prints MB/s (10^6 bytes per second) and ratios.
const now = () => performance.now();
const suiteName = (id) => `0x${id.toString(16).padStart(4, '0')}`;

function randomData(size) {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)));
  return out;
}

async function best(runs, fn) {
  let bestMs = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = now();
    await fn();
    bestMs = Math.min(bestMs, now() - t);
  }
  return bestMs;
}

/**
 * ours: the kms-wasm module; theirs: { name, encrypt, decrypt, keyring } of the official SDK;
 * suites: suite ids; sizes: bytes; sha384: { name, digest(bytes) } the runtime's fastest native
 * SHA-384 (default: WebCrypto's). Returns rows and prints a markdown table through `log`.
 */
export async function benchEnvelope({ ours, theirs, sizes, suites, runtime, log = console.log, runs = 7, sha384 = { name: "WebCrypto's digest", digest: (b) => crypto.subtle.digest('SHA-384', b) } }) {
  const wrappingKey = randomData(32);
  const keyring = new ours.RawAesKeyring({ keyName: 'bench', keyNamespace: 'bench', wrappingKey });
  const rawKey = await crypto.subtle.importKey('raw', randomData(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const rows = [];
  for (const size of sizes) {
    const data = randomData(size);
    const mb = size / 1e6;
    // Best of several runs: this machine is shared, and the best run is the least disturbed one.
    const runsHere = size > 16 * 1024 * 1024 ? Math.min(runs, 4) : runs;
    const iv = new Uint8Array(12);
    let sealed;
    const rawEnc = await best(runsHere, async () => { sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, rawKey, data); });
    const rawDec = await best(runsHere, () => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, rawKey, sealed));
    rows.push({ size, what: 'raw WebCrypto AES-GCM', enc: mb / (rawEnc / 1e3), dec: mb / (rawDec / 1e3) });
    // What any message framed at the default 64 KiB costs at least: a WebCrypto call per frame
    // (each frame has its own IV), all in flight at once, the outputs gathered into one buffer.
    const frame = 65536;
    const frameIv = (i) => new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]);
    const inFrames = async (op, input, step) => {
      const calls = [];
      for (let at = 0, i = 0; at < input.length; at += step, i++) calls.push(op({ name: 'AES-GCM', iv: frameIv(i) }, rawKey, input.subarray(at, Math.min(input.length, at + step))));
      const outputs = (await Promise.all(calls)).map((b) => new Uint8Array(b));
      const out = new Uint8Array(outputs.reduce((n, b) => n + b.length, 0));
      outputs.reduce((at, b) => (out.set(b, at), at + b.length), 0);
      return out;
    };
    let framed;
    const frameEnc = await best(runsHere, async () => { framed = await inFrames((...a) => crypto.subtle.encrypt(...a), data, frame); });
    const frameDec = await best(runsHere, () => inFrames((...a) => crypto.subtle.decrypt(...a), framed, frame + 16));
    rows.push({ size, what: 'raw WebCrypto AES-GCM, a call per 64 KiB frame', enc: mb / (frameEnc / 1e3), dec: mb / (frameDec / 1e3) });
    // A signed suite hashes every byte of the message in order, so this bounds it as well.
    if (suites.includes(0x0578)) {
      const hashMs = await best(runsHere, () => sha384.digest(data));
      rows.push({ size, what: `raw SHA-384 (${sha384.name}; bounds 0x0578)`, enc: mb / (hashMs / 1e3), dec: mb / (hashMs / 1e3), only: 0x0578 });
    }
    for (const suiteId of suites) {
      let ct;
      const oEnc = await best(runsHere, async () => { ct = (await ours.encrypt(keyring, data, { suiteId })).result; });
      const oDec = await best(runsHere, async () => { await ours.decrypt(keyring, ct); });
      const tk = theirs.keyring(wrappingKey);
      let tct;
      const tEnc = await best(Math.min(runsHere, 3), async () => { tct = (await theirs.encrypt(tk, data, { suiteId })).result; });
      const tDec = await best(Math.min(runsHere, 3), async () => { await theirs.decrypt(tk, tct); });
      rows.push({ size, what: `kms-wasm ${suiteName(suiteId)}`, enc: mb / (oEnc / 1e3), dec: mb / (oDec / 1e3) });
      rows.push({ size, what: `${theirs.name} ${suiteName(suiteId)}`, enc: mb / (tEnc / 1e3), dec: mb / (tDec / 1e3) });
    }
  }
  log(`\n## Envelope throughput, ${runtime} (MB/s, best of up to ${runs} runs)\n`);
  log('Ratio column: kms-wasm with the same suite ÷ this row (for a raw row: each kms-wasm suite ÷ it).\n');
  log('| size | what | encrypt | decrypt | ratio enc / dec |');
  log('| ---: | --- | ---: | ---: | ---: |');
  for (const r of rows) {
    const ratioOf = (suite) => {
      const o = rows.find((x) => x.size === r.size && x.what === `kms-wasm ${suite}`);
      return o ? `${(o.enc / r.enc).toFixed(2)} / ${(o.dec / r.dec).toFixed(2)}` : '';
    };
    const ratio = r.what.startsWith('raw')
      ? suites.filter((id) => !r.only || r.only === id).map((id) => `${suiteName(id)}: ${ratioOf(suiteName(id))}`).join('; ')
      : ratioOf(r.what.slice(-6));
    log(`| ${r.size >= 1048576 ? `${r.size / 1048576} MiB` : `${r.size} B`} | ${r.what} | ${r.enc.toFixed(0)} | ${r.dec.toFixed(0)} | ${ratio} |`);
  }
  return rows;
}
