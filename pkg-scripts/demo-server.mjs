#!/usr/bin/env node
// The web demo's server, on 127.0.0.1 only:
//   GET  /…                     static files of www/, /pkg/… from the built package
//   GET  /demo-config.json      region, endpoint (this origin) and the local KMS user's keys
//   POST / with X-Amz-Target    forwarded byte for byte to kms-local
//
// Why forward at `/` and keep Host: the browser signs (SigV4) for the URL it
// sends to, i.e. host = this origin, path = `/`; kms-local/moto verifies the
// signature against the Host header and path it receives and only routes KMS at
// `/`. Forwarding unchanged keeps signatures checked and needs no CORS.
//
//   node pkg-scripts/demo-server.mjs --kms-env .kms-local/demo.env [--port N] [--www DIR] [--pkg DIR]
import { createServer, request as httpRequest } from 'node:http';
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'kms-env': { type: 'string', default: process.env.KMS_LOCAL_ENV ?? join(root, '.kms-local/demo.env') },
      www: { type: 'string', default: join(root, 'www') },
      pkg: { type: 'string', default: join(root, 'pkg') },
    },
  }));
} catch (e) {
  console.error(`demo-server: ${e.message}`);
  process.exit(2);
}

function readEnv(file) {
  const text = readFileSync(file, 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

let kmsEnv;
try {
  kmsEnv = readEnv(opts['kms-env']);
} catch {
  console.error(`demo-server: kms-local env file ${opts['kms-env']} is missing: start kms-local first (pkg-scripts/kms-local start --env-file FILE)`);
  process.exit(2);
}
const upstream = new URL(kmsEnv.AWS_ENDPOINT_URL_KMS);
const wwwDir = resolve(opts.www);
const pkgDir = resolve(opts.pkg);

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8', '.png': 'image/png', '.ico': 'image/x-icon',
};
// The page only talks to its own origin; this keeps it that way for scripts,
// while connect-src stays open so a person can point it at real AWS KMS: the endpoints of every
// partition, standard and dual-stack (src/config.rs, PARTITIONS), and VPC endpoints. The package's
// SHA-384 worker for signed files starts from a blob: URL (worker-src would otherwise fall
// back to script-src and refuse it, leaving the hash on the page's thread).
const KMS_DOMAINS = ['amazonaws.com', 'api.aws', 'amazonaws.com.cn', 'api.amazonwebservices.com.cn', 'amazonaws.eu', 'api.amazonwebservices.eu',
  'c2s.ic.gov', 'api.aws.ic.gov', 'sc2s.sgov.gov', 'api.aws.scloud', 'cloud.adc-e.uk', 'api.cloud-aws.adc-e.uk', 'csp.hci.ic.gov', 'api.aws.hci.ic.gov'];
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src blob:; style-src 'self'; img-src 'self' data:; connect-src 'self' ${KMS_DOMAINS.map((d) => `https://*.${d}`).join(' ')}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
};

/** Maps a URL path into one of the served directories, or null (never outside them). */
function fileFor(pathname) {
  let path;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const [base, rel] = path.startsWith('/pkg/') ? [pkgDir, path.slice(5)] : [wwwDir, path.slice(1)];
  const file = resolve(base, rel.endsWith('/') || rel === '' ? `${rel}index.html` : rel);
  return file === base || file.startsWith(base + sep) ? file : null;
}

async function serveFile(req, res, pathname) {
  const file = fileFor(pathname);
  let info;
  try {
    info = file && (await stat(file));
  } catch {}
  if (!info?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': info.size, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
}

function serveConfig(req, res) {
  const host = req.headers.host;
  // A local demo: the local KMS user's keys go to the page (never logged).
  const body = JSON.stringify({
    region: kmsEnv.AWS_REGION,
    endpoint: `http://${host}/`,
    accessKeyId: kmsEnv.AWS_ACCESS_KEY_ID,
    secretAccessKey: kmsEnv.AWS_SECRET_ACCESS_KEY,
    note: 'local KMS (moto) behind the demo server; signatures are checked',
  });
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...SECURITY_HEADERS }).end(body);
}

function forwardToKms(req, res) {
  const headers = { ...req.headers };
  // Origin/Referer are not signed; hop-by-hop headers are the connection's own.
  for (const h of ['connection', 'keep-alive', 'origin', 'referer', 'proxy-connection', 'transfer-encoding']) delete headers[h];
  const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, timeout: 120_000 }, (upRes) => {
    const out = { ...upRes.headers };
    for (const h of Object.keys(out)) if (h.startsWith('access-control-') || h === 'connection' || h === 'keep-alive') delete out[h];
    res.writeHead(upRes.statusCode, upRes.statusMessage, out);
    upRes.pipe(res);
  });
  up.on('timeout', () => up.destroy(new Error('upstream timeout')));
  up.on('error', () => {
    // KMS-shaped, so the page shows "KMS unreachable" rather than a parse error.
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ServiceUnavailableException' });
    res.end(JSON.stringify({ __type: 'ServiceUnavailableException', message: 'the demo server could not reach the local KMS' }));
  });
  req.pipe(up);
}

const server = createServer((req, res) => {
  // Only our own names: a DNS-rebinding page under another host name gets nothing (not the config, not KMS).
  const port = server.address().port;
  if (![`127.0.0.1:${port}`, `localhost:${port}`].includes(req.headers.host)) {
    res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' }).end('misdirected request\n');
    return;
  }
  const { pathname } = new URL(req.url, 'http://x');
  if (req.method === 'POST' && pathname === '/' && req.headers['x-amz-target']) return forwardToKms(req, res);
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (pathname === '/demo-config.json') return serveConfig(req, res);
    return serveFile(req, res, pathname);
  }
  res.writeHead(405, { allow: 'GET, HEAD, POST', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
});

const port = Number(opts.port);
if (!/^\d+$/.test(opts.port) || port > 65535) {
  console.error(`demo-server: --port ${opts.port} is not a port number (0 to 65535; 0 picks a free one)`);
  process.exit(2);
}
server.listen(port, '127.0.0.1', () => {
  console.log(`Demo page: http://127.0.0.1:${server.address().port}/`);
  console.log(`  forwarding KMS requests to ${upstream.origin} (kms-local, signatures checked); Ctrl-C stops`);
});
server.on('error', (e) => {
  console.error(`demo-server: ${e.message}`);
  process.exit(1);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
