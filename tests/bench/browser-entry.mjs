// Browser side of the envelope benchmark: kms-wasm and @aws-crypto/client-browser in one page.
import * as ours from 'kms-wasm';
import { benchEnvelope } from './envelope-core.mjs';
import { clientBrowser } from './client-browser-anchor.mjs';

window.runBench = async () => {
  const lines = [];
  await ours.ready();
  await benchEnvelope({ ours, theirs: clientBrowser, sizes: [1 << 20, 64 << 20], suites: [0x0578, 0x0478], runtime: `headless Chromium ${navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? ''}`, log: (l) => lines.push(l), runs: 7 });
  return lines;
};
