// Headless Chromium (playwright-core), headless Firefox ESR (puppeteer-core over WebDriver BiDi:
// playwright drives only its own Firefox build) and a static file server for the browser tests
// (all on 127.0.0.1, all stopped by the caller).
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { localServer } from './helpers.mjs';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Debian's Chromium, headless; `extraArgs` after the usual flags (e.g. `--js-flags=--expose-gc`). */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Debian's Firefox ESR. Its pages have puppeteer's API: `evaluateOnNewDocument` where playwright has `addInitScript`. */
export function launchFirefox() {
  return puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true });
}

/**
 * An init script for a page (playwright's `addInitScript`, puppeteer's `evaluateOnNewDocument`;
 * it runs as source, so it uses nothing from this module): records what the page's CSP refused
 * (`window.cspViolations`, effective directives) and counts the digests the package's SHA-384
 * worker sends back (`window.workerDigests`), so a test can tell that signed messages were hashed
 * there rather than, silently, on the page.
 */
export function watchPage() {
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.effectiveDirective));
  window.workerDigests = 0;
  const RealWorker = window.Worker;
  window.Worker = class extends RealWorker {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => { if (e.data && e.data.digest) window.workerDigests++; });
    }
  };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };

/** Serves `root` on 127.0.0.1 at a free port; resolves to { url, close }. */
export async function serveStatic(root, types = {}) {
  const server = await localServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-type': types[extname(file)] ?? TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return { url: `${server.url}/`, close: server.close };
}
