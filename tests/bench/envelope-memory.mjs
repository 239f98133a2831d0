// Peak memory a 256 MiB streaming encrypt + decrypt adds in Node, measured in a fresh process
// so earlier allocations do not hide it. Memory should stay bounded by the frame length.
import { importPackage } from '../js/helpers.mjs';

const ours = await importPackage();
await ours.ready();
// Streaming memory: 256 MiB generated on the fly → encryptStream → decryptStream → counted.
const baseline = process.memoryUsage().rss;
let peak = baseline;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
const total = 256 * 1024 * 1024;
const chunk = new Uint8Array(1 << 20);
crypto.getRandomValues(chunk.subarray(0, 65536));
let produced = 0;
const source = new ReadableStream({
  pull(c) {
    if (produced >= total) return c.close();
    // With --expose-gc, collect every 16 MiB so the figure shows live memory rather than GC lag.
    if (globalThis.gc && produced % (16 << 20) === 0) globalThis.gc();
    produced += chunk.length;
    c.enqueue(chunk.slice());
  },
}, { highWaterMark: 2 });
const keyring = new ours.RawAesKeyring({ keyName: 'm', keyNamespace: 'm', wrappingKey: new Uint8Array(32).fill(3) });
const t = performance.now();
let received = 0;
for await (const part of source.pipeThrough(ours.encryptStream(keyring)).pipeThrough(ours.decryptStream(keyring))) received += part.length;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const secs = (performance.now() - t) / 1e3;
console.log(`\n## Streaming 256 MiB in Node (encryptStream → decryptStream)${globalThis.gc ? ', collecting garbage every 16 MiB' : ''}\n`);
console.log(`plaintext out ${received === total ? 'matches' : 'DIFFERS'} (${received} bytes) in ${secs.toFixed(1)} s; peak RSS added: ${((peak - baseline) / 1048576).toFixed(1)} MiB (target < 64 MiB)`);
