// Serves the browser example and the built package on 127.0.0.1, with the local KMS settings in
// config.json. Prints "Example page: <url>" and serves until Ctrl-C; with --check it opens the
// page in headless Chromium, clicks the button, prints the page's log and exits.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

// A path, not a URL's pathname: that keeps %20 for a space in the checkout's path.
const root = fileURLToPath(new URL('../../', import.meta.url));
const config = {
  region: process.env.AWS_REGION,
  endpoint: process.env.AWS_ENDPOINT_URL_KMS,
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
};
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = createServer(async (req, res) => {
  // Only our own names: a DNS-rebinding page under another host name must not get config.json,
  // which holds the credentials from the environment.
  const { port } = server.address();
  if (![`127.0.0.1:${port}`, `localhost:${port}`].includes(req.headers.host)) return res.writeHead(421).end();
  const path = normalize(new URL(req.url, 'http://x').pathname);
  if (path === '/config.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config));
  const file = path.startsWith('/pkg/') ? join(root, path) : join(root, 'examples/browser', path === '/' ? 'index.html' : path);
  let body;
  try {
    body = await readFile(file);
  } catch {
    return res.writeHead(404).end();
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
console.log(`Example page: ${url}`);
if (process.argv.includes('--check')) {
  const { chromium } = await import(join(root, 'tests/node_modules/playwright-core/index.mjs'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#go');
    await page.waitForFunction(() => /decrypted:|Error/.test(document.querySelector('#out').textContent));
    console.log(await page.textContent('#out'));
  } finally {
    await browser.close();
    server.close();
  }
} else {
  process.on('SIGINT', () => server.close(() => process.exit(0)));
}
